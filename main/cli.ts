// Headless command line (being written).
console.log('swaplab: not implemented yet')

// Engine worker entry (being written).
export {}

export { DESIGN_CATALOGUE, type DesignInfo } from './catalogue'

// Self-description of designs and workloads: parameter specs that front ends turn into
// forms and the experiment schema turns into validation rules.

export interface ParamSpec {
  key: string
  label: string
  kind: 'int' | 'number' | 'bool' | 'enum' | 'string'
  default: number | string | boolean
  min?: number
  max?: number
  values?: (string | number)[]
  unit?: 'bytes' | 'pages' | 'ns' | 'percent' | 'count' | 'ratio'
  help: string
  /** May be left out: then it is absent from the config (default is only a placeholder), not filled in. */
  optional?: boolean
}

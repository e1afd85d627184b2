// Tags as typed: words or phrases separated by commas, trimmed, each once, sorted (as the lab stores them).
export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean)
    )
  ].sort()
}

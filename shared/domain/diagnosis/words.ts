/** The small words every sentence is built from: durations, lists, the sentence shape. */

/** 0.4 ms, 12 ms, 2.1 s: the precision a responder reads at a glance. */
export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

export function plural(items: unknown[], one: string, many: string): string {
  return items.length === 1 ? one : many;
}

/** "a", "a and b", "a, b and c". */
export function listWords(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function joinParts(prefix: string, what: string): string {
  return prefix === '' ? what : `${prefix}; ${what}`;
}

/** "<finding>; <advice>." with a capital first letter, as one sentence. */
export function sentence(finding: string, advice: string): string {
  const text = `${finding}; ${advice}.`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

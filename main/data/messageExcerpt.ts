// Values quoted in error messages (labels, names, columns) cut to a readable length: a message
// is one line a person reads, not a copy of a 100 KB field.

/** `text` whole when it is at most `max` characters, else its first `max - 1` and an ellipsis. */
export function excerpt(text: string, max = 200): string {
  if (text.length <= max) return text;
  // Do not cut a surrogate pair in half.
  const cut = /[\uD800-\uDBFF]/.test(text.charAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, cut)}…`;
}

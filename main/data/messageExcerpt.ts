// Values quoted in error messages (labels, names, columns) cut to a readable length: a message
// is one line a person reads, not a copy of a 100 KB field.

/** `text` whole when it is at most `max` characters, else its first `max - 1` and an ellipsis. */
export function excerpt(text: string, max = 200): string {
  if (text.length <= max) return text;
  // Do not cut a surrogate pair in half.
  const cut = /[\uD800-\uDBFF]/.test(text.charAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, cut)}…`;
}

/**
 * Names quoted in a message (columns, classes, files): the first `max`, each cut to a readable
 * length, then "and N more", so a header of 800 columns stays one short line.
 */
export function listNames(names: readonly string[], max = 5, each = 40): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, max).map((name) => excerpt(name, each));
  const rest = names.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
}

// `disobey groups`: show or set a dataset's confusable class groups. Groups are written
// "a,b,c;d,e" with class names or indices, so a user can type what `disobey datasets` prints.
import type { DatasetSummary } from '../../shared/domain.js';
import { ValidationError } from '../../shared/errors.js';
import { printable } from './output.js';

/** Parses "Shirt,T-shirt/top;Sneaker,7" against the dataset's class names; "" means no groups. */
export function parseClassGroups(text: string, classNames: readonly string[]): number[][] {
  if (text.trim() === '') return [];
  return text.split(';').map((groupText, g) => {
    const members = groupText.split(',').map((s) => s.trim()).filter(Boolean);
    if (members.length === 0) throw new ValidationError(`group ${g + 1} is empty`, { field: 'groups' });
    return members.map((member) => {
      const byName = classNames.indexOf(member);
      if (byName >= 0) return byName;
      if (/^\d+$/.test(member) && Number(member) < classNames.length) return Number(member);
      throw new ValidationError(`unknown class "${member}" in group ${g + 1}: classes are ${classNames.map((c, i) => `${i}=${c}`).join(', ')}`, { field: 'groups' });
    });
  });
}

export function formatClassGroups(d: DatasetSummary): string {
  if (d.classGroups.length === 0) return `dataset ${d.id} "${printable(d.name)}" has no class groups`;
  return [`dataset ${d.id} "${printable(d.name)}" class groups:`, ...d.classGroups.map((g, i) => `  ${i + 1}: ${g.map((c) => `${c}=${printable(d.classNames[c] ?? '')}`).join(', ')}`)].join('\n');
}

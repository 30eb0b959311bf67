// Task ids the client picks, so progress events can be matched to the call that started them.
export function newTaskId(prefix = 'task'): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  const random = c?.randomUUID ? c.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
  return `${prefix}-${random}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64);
}

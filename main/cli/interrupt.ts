// Ctrl-C and SIGTERM (`kill`, a service manager, a container stopping) during long writing work
// (an export, an ingest): the work is asked to stop at its next step and remove what it wrote,
// where the default would end the process and leave it half-written. A second signal, once the
// work has ended or while it stops, gets the default again.

/** Runs `work` with SIGINT and SIGTERM calling `cancel` instead of ending the process. */
export async function cancelOnInterrupt<T>(cancel: () => void, work: () => Promise<T>): Promise<T> {
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  try {
    return await work();
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}

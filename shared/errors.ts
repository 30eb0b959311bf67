// Domain errors carry a code and the offending place (file, row, field) so every edge
// (CLI line, HTTP body, IPC rejection, UI toast) can say exactly what went wrong.

export type ErrorCode =
  | 'IMPORT_ERROR'
  | 'VALIDATION_ERROR'
  | 'NOT_FOUND'
  | 'SPEC_ERROR'
  | 'SCHEMA_ERROR'
  | 'CANCELLED'
  | 'CONFLICT'
  /** another writer holds the database's write lock past the busy timeout; the message names the file */
  | 'BUSY'
  /** the database (or its folder) cannot be written: opened read-only, or full; the message names the file */
  | 'READ_ONLY'
  /** a request that is refused before it is looked at: foreign origin, wrong content type */
  | 'FORBIDDEN'
  | 'INTERNAL';

export interface ErrorPlace {
  file?: string;
  row?: number;
  field?: string;
}

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly place: ErrorPlace;
  constructor(code: ErrorCode, message: string, place: ErrorPlace = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.place = place;
  }
}

/** A dataset file that cannot be imported; the message names the file and, where known, the row. */
export class ImportError extends DomainError {
  constructor(message: string, place: ErrorPlace = {}, options?: { cause?: unknown }) {
    const where = place.file ? `${place.file}${place.row !== undefined ? `, row ${place.row}` : ''}: ` : '';
    super('IMPORT_ERROR', `${where}${message}`, place, options);
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, place: ErrorPlace = {}) {
    super('VALIDATION_ERROR', message, place);
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class CancelledError extends DomainError {
  constructor(message = 'cancelled') {
    super('CANCELLED', message);
  }
}

/** The wire form of any error, the same over IPC and HTTP. */
export interface WireError {
  code: ErrorCode;
  message: string;
  place?: ErrorPlace;
}

export function toWireError(err: unknown): WireError {
  if (err instanceof DomainError) return { code: err.code, message: err.message, place: err.place };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}

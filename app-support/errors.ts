// What a caught value says, for the messages that pass it on: its message, and for a system
// error (Node's fs, child processes) its code such as ENOENT or EACCES.

/** An Error's message (or any object's `message`), else the thrown value as text. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && 'message' in e) return String(e.message);
  return String(e);
}

/** A system error's code (ENOENT, EACCES, …), undefined for anything else. */
export function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

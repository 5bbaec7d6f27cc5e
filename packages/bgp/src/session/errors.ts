// Typed errors of the session layer.
export class SessionConfigError extends Error {
  override readonly name = 'SessionConfigError';
}

export class SessionStateError extends Error {
  override readonly name = 'SessionStateError';
}

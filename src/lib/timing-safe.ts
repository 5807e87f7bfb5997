/** Constant-time comparison of secrets and tokens: the time taken depends only on the lengths. */
const encoder = new TextEncoder();

/** Compares two strings in time that depends only on their lengths, never on where they differ. */
export function timingSafeEqualStrings(a: string, b: string): boolean {
  return timingSafeEqualBytes(encoder.encode(a), encoder.encode(b));
}

function timingSafeEqualBytes(x: Uint8Array, y: Uint8Array): boolean {
  // Compare against itself when lengths differ so the work done stays the same.
  const other = x.length === y.length ? y : x;
  let diff = x.length === y.length ? 0 : 1;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ other[i]!;
  return diff === 0;
}

/** The configured secret's bytes, encoded once rather than on every request. */
const encodedSecrets = new Map<string, Uint8Array>();

/** `timingSafeEqualStrings(given, secret)` for a long-lived secret from the configuration. */
export function matchesSecret(given: string, secret: string): boolean {
  let expected = encodedSecrets.get(secret);
  if (!expected) {
    if (encodedSecrets.size > 16) encodedSecrets.clear();
    expected = encoder.encode(secret);
    encodedSecrets.set(secret, expected);
  }
  return timingSafeEqualBytes(encoder.encode(given), expected);
}

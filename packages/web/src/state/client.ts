import { PartaClient, PartaError } from '@parta/sdk';

const TOKEN_KEY = 'parta.token';

/** The stored bearer token, if any. */
export function storedToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

/** Keeps the bearer token on this device. */
export function storeToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** A new client for this page's origin. */
export function newClient(token: string | null = null): PartaClient {
  return new PartaClient({ baseUrl: location.origin, token });
}

/** The text of an error for people. */
export function errorText(err: unknown): string {
  if (err instanceof PartaError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

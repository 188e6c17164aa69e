/** The API key of this browser tab (sessionStorage: gone when the tab closes) and its scope. */
export type Scope = 'read' | 'write' | 'admin';

const KEY = 'dmb.console.key';
const SCOPE = 'dmb.console.scope';

export interface Session {
  key: string;
  scope: Scope;
}

export function loadSession(): Session | undefined {
  const key = sessionStorage.getItem(KEY);
  const scope = sessionStorage.getItem(SCOPE) as Scope | null;
  return key && scope ? { key, scope } : undefined;
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(KEY, s.key);
  sessionStorage.setItem(SCOPE, s.scope);
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(SCOPE);
}

export const canWrite = (s: Session) => s.scope === 'write' || s.scope === 'admin';
export const isAdmin = (s: Session) => s.scope === 'admin';

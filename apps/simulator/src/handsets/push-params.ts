import type { WspParameter } from '@dm-bridge/wap-push';

/** Finds a content-type parameter by its well-known code or its name (case-insensitive). */
export function findParam(
  params: readonly WspParameter[],
  code: number,
  name: string,
): WspParameter | undefined {
  return params.find((p) => p.code === code || p.name.toUpperCase() === name);
}

export function isContentType(ct: string | number, name: string, code: number): boolean {
  return ct === code || (typeof ct === 'string' && ct.toLowerCase() === name);
}

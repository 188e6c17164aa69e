/** A small client for the operator REST API with the admin key (what an operator's script does). */
export interface ApiResponse {
  status: number;
  body: any;
}

export class ApiClient {
  constructor(
    public baseUrl: string,
    private readonly key: string,
  ) {}

  async call(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = 30_000,
  ): Promise<ApiResponse> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed };
  }

  /** Like `call`, but a non-2xx answer is an error naming the request. */
  async ok(method: string, path: string, body?: unknown): Promise<any> {
    const r = await this.call(method, path, body);
    if (r.status < 200 || r.status > 299)
      throw new Error(
        `${method} ${path}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`,
      );
    return r.body;
  }
}

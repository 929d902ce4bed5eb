/** A minimal OpenStack client over fetch: admin token, quotas out of the way, servers. */
export class Client {
  private constructor(readonly url: string, readonly token: string, readonly projectId: string) {}

  static async login(url: string, user = 'admin', password = 'admin', project = 'admin'): Promise<Client> {
    const res = await fetch(`${url}/identity/v3/auth/tokens`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(authBody(user, password, project)),
    });
    if (res.status !== 201) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { token: { project: { id: string } } };
    return new Client(url, res.headers.get('x-subject-token')!, body.token.project.id);
  }

  headers(version?: string): Record<string, string> {
    return {
      'x-auth-token': this.token, 'content-type': 'application/json',
      ...(version && { 'openstack-api-version': `compute ${version}` }),
    };
  }

  async call(method: string, path: string, body?: unknown, version?: string): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(`${this.url}${path}`, { method, headers: this.headers(version), body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async ok(method: string, path: string, body?: unknown, version?: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await this.call(method, path, body, version);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** unlimited instances, cores and RAM for the admin project: the bench measures the control plane, not quotas */
  async unlimitedQuotas(): Promise<void> {
    await this.ok('PUT', `/compute/v2.1/os-quota-sets/${this.projectId}`, { quota_set: { instances: -1, cores: -1, ram: -1 } });
  }

  async imageId(name: string): Promise<string> {
    const body = await this.ok('GET', `/image/v2/images?name=${encodeURIComponent(name)}`);
    if (!body.images.length) throw new Error(`no image named ${name}`);
    return body.images[0].id;
  }

  /** POST /servers; returns the ids (one, or max_count of them with return_reservation_id off) */
  async createServer(name: string, imageRef: string, flavorRef: string, count = 1): Promise<string> {
    const body = await this.ok('POST', '/compute/v2.1/servers', { server: { name, imageRef, flavorRef, ...(count > 1 && { min_count: count, max_count: count }) } });
    return body.server.id as string;
  }

  /** GET /servers/{id} (latest microversion): the server, or null once it is gone (404) */
  async server(id: string): Promise<Record<string, any> | null> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await this.call('GET', `/compute/v2.1/servers/${id}`);
    if (res.status === 404) return null;
    if (res.status !== 200) throw new Error(`GET server ${id}: ${res.status}`);
    return res.body.server;
  }

  async status(id: string): Promise<string | 404> {
    return (await this.server(id))?.status ?? 404;
  }

  /** every server of the project with its status (one GET /servers/detail) */
  async statuses(): Promise<Map<string, { status: string; fault?: unknown }>> {
    const body = await this.ok('GET', '/compute/v2.1/servers/detail');
    return new Map(body.servers.map((s: { id: string; status: string; fault?: unknown }) => [s.id, { status: s.status, fault: s.fault }]));
  }
}

export function authBody(user: string, password: string, project: string) {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
      scope: { project: { name: project, domain: { id: 'default' } } },
    },
  };
}

import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config';

/** Writes <data dir>/openrc (admin) and openrc.demo for `source`, mode 600 (they hold passwords). */
export function writeOpenrcFiles(config: Config): { admin: string; demo: string } {
  const admin = path.join(config.dataDir, 'openrc');
  const demo = path.join(config.dataDir, 'openrc.demo');
  fs.writeFileSync(admin, openrc(config, 'admin', config.adminPassword), { mode: 0o600 });
  fs.writeFileSync(demo, openrc(config, 'demo', config.demoPassword), { mode: 0o600 });
  return { admin, demo };
}

function openrc(config: Config, user: string, password: string): string {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    `# novashim credentials for ${user}; use with: source ${path.join(config.dataDir, user === 'admin' ? 'openrc' : 'openrc.demo')}`,
    `export OS_AUTH_URL=${config.publicUrl}/identity/v3`,
    'export OS_IDENTITY_API_VERSION=3',
    `export OS_USERNAME=${quote(user)}`,
    `export OS_PASSWORD=${quote(password)}`,
    `export OS_PROJECT_NAME=${quote(user)}`,
    'export OS_USER_DOMAIN_NAME=Default',
    'export OS_PROJECT_DOMAIN_NAME=Default',
    `export OS_REGION_NAME=${config.region}`,
    'export OS_INTERFACE=public',
    '',
  ].join('\n');
}

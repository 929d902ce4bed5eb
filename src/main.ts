import { releaseYoungGeneration } from './startup-memory'; // first: it holds young-generation growth during the imports below
import fs from 'node:fs';
import type { Server } from 'node:http';
import { loadConfig, redactConfig, Config } from './config';
import { createLogger, Logger } from './log';
import { openDatabase, migrateLatest } from './db/knex';
import { createServices, Services } from './services';
import { buildApp } from './app';
import { createDriver } from './drivers/factory';
import { IdentityStore } from './db/stores/identity';
import { bootstrapIdentity } from './identity/bootstrap';
import { writeOpenrcFiles } from './openrc';
import { registerFixtureImages } from './image/fixtures';
import { serveSerialConsoles } from './console/serial-proxy';

export interface Running {
  readonly server: Server;
  readonly services: Services;
  stop(): Promise<void>;
}

/** Opens the database, migrates, bootstraps, connects the driver and listens. */
export async function start(config: Config, log: Logger): Promise<Running> {
  log.info({ config: redactConfig(config) }, 'starting novashim');
  fs.mkdirSync(config.dataDir, { recursive: true });
  const db = openDatabase(config.databaseUrl);
  await migrateLatest(db);
  const driver = await createDriver(config, log);
  const services = createServices(config, log, db, driver);
  const projects = await bootstrapIdentity(new IdentityStore(db), { admin: config.adminPassword, demo: config.demoPassword });
  await services.flavors.seedDefaults();
  await services.images.recoverInterruptedUploads();
  await registerFixtureImages(services.images, projects.adminProjectId, log);
  await services.softDelete.recoverInterrupted(); // before the general recovery, which would settle them as stopped
  await services.compute.recoverInterrupted();
  services.softDelete.startReclaim();
  services.powerSync.start(); // after recovery: servers it left busy are skipped until settled
  services.hostPoll.start();
  const server = buildApp(config, log, services).listen(config.port, config.host);
  const consoles = serveSerialConsoles(server, services.consoles, log.child({ component: 'serial-console' }));
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const files = writeOpenrcFiles(config);
  releaseYoungGeneration(); // started: from here on, load may grow it
  log.info({ url: config.publicUrl, openrc: files }, `novashim listening; credentials: source ${files.admin} (admin) or ${files.demo} (demo)`);
  return {
    server, services,
    async stop() {
      consoles.close();
      services.softDelete.stopReclaim();
      await services.powerSync.stop();
      await services.hostPoll.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.tasks.idle();
      await services.drivers.closeAll();
      await db.destroy();
    },
  };
}

if (require.main === module) {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  start(config, log).then((running) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => { log.info({ signal }, 'stopping'); void running.stop().then(() => process.exit(0)); });
    }
  }).catch((err) => {
    log.fatal({ err }, 'novashim failed to start');
    process.exit(1);
  });
}

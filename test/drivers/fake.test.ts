import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { FakeDriver } from '../../src/drivers/fake/driver';
import { describeDriver } from './conformance';

describeDriver('fake', async () => ({
  driver: new FakeDriver(),
  image: { id: randomUUID(), containerFormat: 'docker', openData: () => Readable.from([]) },
  cleanup: async () => undefined,
}));

import type { Logger } from '../log';
import type { ImageService } from './service';

// TODO(image helper): register fixtures/images/*.tar as public images on first run.
export async function registerFixtureImages(_images: ImageService, _ownerProjectId: string, _log: Logger): Promise<void> {}

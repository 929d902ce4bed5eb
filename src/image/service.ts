import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Config } from '../config';
import type { ImageFields, ImageRecord, ImageStore } from '../db/stores/images';
import type { ImageQuery } from '../db/stores/image-query';
import type { AuthContext } from '../identity/auth-context';
import type { DriverImage } from '../drivers/driver';
import { BadRequest, Conflict, Forbidden, ImageNotFound, NotFound, PayloadTooLarge } from '../errors';
import { assertSettable, MAX_PROPERTIES } from './attributes';
import { applyChanges, ChangeOptions, ImageChange, uniqueTags } from './changes';
import { isVisible, requireMayOwn, requireMayPublish, requireModify, requireWriter } from './policy';
import { imageTooLarge, ImageStorage, StagedData } from './storage';
import { ImageGone } from './errors';

export { isVisible } from './policy';

/** A new image as a client describes it; anything left out gets Glance's default. */
export interface NewImage extends Partial<ImageFields> {
  readonly id?: string;
}

/** A list request: the store's query with the marker still an id. */
export type ImageListRequest = Omit<ImageQuery, 'viewer' | 'after'> & { readonly marker: string | null };

/** Glance's image service: records in the store, data files under <data dir>/images. */
export class ImageService {
  readonly dir: string;
  readonly storage: ImageStorage;
  private readonly maxImageBytes: number;

  constructor(readonly store: ImageStore, config: Config) {
    this.dir = path.join(config.dataDir, 'images');
    this.storage = new ImageStorage(this.dir);
    this.maxImageBytes = config.maxImageBytes;
  }

  async create(auth: AuthContext, input: NewImage): Promise<ImageRecord> {
    requireWriter(auth, 'add_image');
    if (input.owner !== undefined) requireMayOwn(input.owner, auth);
    requireMayPublish(input.visibility ?? 'shared', auth);
    return this.insertNew({ owner: auth.projectId, ...input });
  }

  /** Creates an image with no caller to check (start-up fixtures); the owner must be given. */
  async register(input: NewImage & { owner: string }): Promise<ImageRecord> {
    return this.insertNew(input);
  }

  async list(auth: AuthContext, request: ImageListRequest): Promise<ImageRecord[]> {
    const { marker, ...query } = request;
    const after = marker === null ? null : await this.markerImage(marker, auth);
    return this.store.list({ ...query, viewer: { projectId: auth.projectId, isAdmin: auth.isAdmin }, after });
  }

  /** An image the caller may see (public, community, or owned by the caller's project; admins see all). */
  async getVisible(id: string, auth: AuthContext): Promise<ImageRecord> {
    const image = await this.store.find(id);
    if (!image || !isVisible(image, auth)) throw new ImageNotFound(id);
    return image;
  }

  async update(auth: AuthContext, id: string, changes: readonly ImageChange[], opts: ChangeOptions): Promise<ImageRecord> {
    const image = await this.getVisible(id, auth);
    requireModify(image, auth, 'modify_image');
    const fields = applyChanges(image, changes, opts, auth);
    if (changes.length > 0 && !(await this.store.saveFields(id, fields, new Date()))) throw new ImageNotFound(id);
    return this.found(id);
  }

  async delete(auth: AuthContext, id: string): Promise<void> {
    const image = await this.getVisible(id, auth);
    requireModify(image, auth, 'delete_image');
    if (image.protected) throw new Forbidden(`Image ${id} is protected and cannot be deleted.`);
    if (!(await this.store.delete(id))) throw new ImageNotFound(id);
    // the record goes first: a file without a record is swept at the next start, never served
    await this.storage.remove(id);
  }

  async addTag(auth: AuthContext, id: string, tag: string): Promise<void> {
    const image = await this.getVisible(id, auth);
    requireModify(image, auth, 'modify_image');
    uniqueTags([...image.tags, tag]);
    await this.store.addTag(id, tag, new Date());
  }

  async removeTag(auth: AuthContext, id: string, tag: string): Promise<void> {
    const image = await this.getVisible(id, auth);
    requireModify(image, auth, 'modify_image');
    if (!(await this.store.removeTag(id, tag, new Date()))) throw new NotFound(`Tag ${tag} could not be found.`);
  }

  /** PUT /file: checks the caller and the image, then receives the data. */
  async upload(auth: AuthContext, id: string, source: NodeJS.ReadableStream, declaredBytes: number | null): Promise<ImageRecord> {
    const image = await this.getVisible(id, auth);
    requireModify(image, auth, 'upload_image');
    if (image.status !== 'queued') throw transitionRefused(image.status);
    requireFormats(image);
    if (declaredBytes !== null && declaredBytes > this.maxImageBytes) throw imageTooLarge(this.maxImageBytes);
    return this.receiveData(id, source);
  }

  /**
   * queued → saving → active, with the data in place before the record says so. Any failure puts
   * the image back to queued with no file; an image deleted meanwhile loses its data too (410).
   */
  async receiveData(id: string, source: NodeJS.ReadableStream): Promise<ImageRecord> {
    return this.receiveStaged(id, () => this.storage.receive(source, this.maxImageBytes));
  }

  /** receiveData from a local file (start-up fixtures), copied by the kernel and hashed from the copy. */
  async receiveFile(id: string, file: string): Promise<ImageRecord> {
    return this.receiveStaged(id, () => this.storage.receiveFile(file, this.maxImageBytes));
  }

  private async receiveStaged(id: string, stage: () => Promise<StagedData>): Promise<ImageRecord> {
    if (!(await this.store.transition(id, 'queued', 'saving', new Date()))) {
      const current = await this.store.find(id);
      throw current ? transitionRefused(current.status) : new ImageNotFound(id);
    }
    let staged: StagedData | undefined;
    try {
      staged = await stage();
      await this.storage.commit(staged, id);
    } catch (err) {
      await this.requeue(id, staged);
      throw err;
    }
    if (!(await this.store.transition(id, 'saving', 'active', new Date(), staged))) {
      await this.storage.remove(id);
      throw new ImageGone(`Image ${id} could not be found after upload. The image may have been deleted during the upload.`);
    }
    return this.found(id);
  }

  /** The data of an image the caller may see; null data when there is none yet (Glance's 204). */
  async openData(auth: AuthContext, id: string): Promise<{ image: ImageRecord; data: Readable | null }> {
    const image = await this.getVisible(id, auth);
    if (image.status !== 'active') return { image, data: null };
    return { image, data: await this.storage.open(id) };
  }

  async findOwnedByName(owner: string, name: string): Promise<ImageRecord | undefined> {
    const [found] = await this.store.list({
      viewer: { projectId: owner, isAdmin: true }, visibility: 'all', tags: [], properties: {}, after: null, limit: 1,
      comparisons: [{ column: 'name', op: 'eq', value: name }, { column: 'owner', op: 'eq', value: owner }],
      sort: [{ column: 'created_at', dir: 'asc' }, { column: 'id', dir: 'asc' }],
    });
    return found;
  }

  /** At start: uploads cut short by a crash go back to queued; stray files go. Returns what was swept. */
  async recoverInterruptedUploads(): Promise<{ requeued: string[]; removedFiles: string[] }> {
    const interrupted = await this.store.listByStatus('saving');
    for (const image of interrupted) await this.requeue(image.id);
    const active = new Set((await this.store.listByStatus('active')).map((i) => i.id));
    const removedFiles = await this.storage.sweep((id) => active.has(id));
    return { requeued: interrupted.map((i) => i.id), removedFiles };
  }

  /** The driver's view of an image: id, format and a way to read its data. */
  driverImage(image: ImageRecord): DriverImage {
    const file = this.dataPath(image.id);
    return { id: image.id, containerFormat: image.containerFormat ?? '', openData: () => fs.createReadStream(file) };
  }

  dataPath(id: string): string {
    return this.storage.pathOf(id);
  }

  private async insertNew(input: NewImage): Promise<ImageRecord> {
    const properties = input.properties ?? {};
    for (const key of Object.keys(properties)) assertSettable(key, true);
    if (Object.keys(properties).length > MAX_PROPERTIES) {
      throw new PayloadTooLarge(`The limit has been exceeded on the number of allowed image properties. Maximum: ${MAX_PROPERTIES}`);
    }
    const now = new Date();
    const image: ImageRecord = {
      id: input.id ?? randomUUID(), name: input.name ?? null, owner: input.owner ?? null, status: 'queued',
      visibility: input.visibility ?? 'shared', containerFormat: input.containerFormat ?? null, diskFormat: input.diskFormat ?? null,
      size: null, checksum: null, osHashAlgo: null, osHashValue: null, minDisk: input.minDisk ?? 0, minRam: input.minRam ?? 0,
      protected: input.protected ?? false, osHidden: input.osHidden ?? false, tags: uniqueTags(input.tags ?? []), properties,
      createdAt: now, updatedAt: now,
    };
    if (!(await this.store.insert(image))) throw new Conflict(`Image with identifier ${image.id} already exists!`);
    return this.found(image.id);
  }

  private async markerImage(marker: string, auth: AuthContext): Promise<ImageRecord> {
    const image = await this.store.find(marker);
    if (!image || !isVisible(image, auth)) throw new BadRequest(`No image found with ID ${marker}`);
    return image;
  }

  /** Back to queued, without data; for an upload that did not complete. */
  private async requeue(id: string, staged?: StagedData): Promise<void> {
    if (staged) await this.storage.discard(staged);
    await this.storage.remove(id);
    await this.store.transition(id, 'saving', 'queued', new Date());
  }

  private async found(id: string): Promise<ImageRecord> {
    const image = await this.store.find(id);
    if (!image) throw new ImageNotFound(id);
    return image;
  }
}

function requireFormats(image: ImageRecord): void {
  const missing = [image.containerFormat ? null : 'container_format', image.diskFormat ? null : 'disk_format'].filter(Boolean);
  if (missing.length === 1) throw new BadRequest(`Property ${missing[0]} must be set prior to saving data.`);
  if (missing.length === 2) throw new BadRequest(`Properties ${missing.join(', ')} must be set prior to saving data.`);
}

const transitionRefused = (status: string) => new Conflict(`Image status transition from ${status} to saving is not allowed`);

import { DomainError } from '../errors';

/** The image went away while its data was arriving (Glance answers 410). */
export class ImageGone extends DomainError {
  constructor(message: string) {
    super(message);
    this.status = 410;
  }
}

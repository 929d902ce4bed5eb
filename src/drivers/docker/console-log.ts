/**
 * Docker's log stream as console text. A container with a TTY logs one raw stream; without one,
 * each chunk comes framed: 1 byte stream (0 stdin, 1 stdout, 2 stderr), 3 zero bytes, a 4-byte
 * big-endian payload length, then the payload. Frames arrive in write order, so stdout and stderr
 * interleave as they were written.
 */
const HEADER_BYTES = 8;

export function demuxLogFrames(framed: Buffer): Buffer {
  const payloads: Buffer[] = [];
  for (let at = 0; at + HEADER_BYTES <= framed.length;) {
    const size = framed.readUInt32BE(at + 4);
    payloads.push(framed.subarray(at + HEADER_BYTES, at + HEADER_BYTES + size));
    at += HEADER_BYTES + size;
  }
  return Buffer.concat(payloads);
}

/** UTF-8 text with '\n' line ends (a TTY writes CRLF). */
export function consoleText(logs: Buffer, tty: boolean): string {
  return (tty ? logs : demuxLogFrames(logs)).toString('utf8').replace(/\r\n/g, '\n');
}

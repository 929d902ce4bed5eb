import { expect } from 'chai';
import { sha512Crypt } from '../../src/drivers/docker/sha512-crypt';
import { daysSinceEpoch, withRootHash } from '../../src/drivers/docker/admin-password';
import { authorizedKeysArchive } from '../../src/drivers/docker/guest-files';
import * as tar from 'tar-stream';
import { Readable } from 'node:stream';

describe('SHA-512 crypt ($6$) as glibc computes it', function () {
  // expected values from glibc crypt(3) (python3 crypt.crypt) and the SHA-crypt spec's test vectors
  const vectors: [string, string, string][] = [
    ['pw', 'saltsalt', '$6$saltsalt$pauPrmdmG4BTE9h2HPmywiw152IFch6BJCEsaY6D.PLTfpV8sqvXwWdyfsgVgozkYH9B80bAip/08R2BPH2xk/'],
    ['', 'abc', '$6$abc$mJP3a6FyA8uCnzRtlnNypPwjnvpi5TP9qOrInzrfDmwxUQG38PkpCPdqfTb8JQfAngapMxeim4AZ..hSdRRzD.'],
    ['hello world with a long password that is more than sixty-four bytes long ......', '0123456789abcdefXYZ',
      '$6$0123456789abcdef$GQuYjTQDoiTb2rQLjcidsXEu2yGQQ.IcAaGOIA.NIEQ/b030wg4Er1ClBKvOX5oA7/FWezwn5ieJ6R0R4s1eI0'],
    ['é:\n', 'x', '$6$x$XUIzendrRRQH0/R4uV4BRuHSo8rj89Ml4vCJ40kY9sL83x3WUl33F1CCQnaFuYnTRcqyuFj8YE7CvKJq2ROAs1'],
    // the spec's own vector (default rounds)
    ['Hello world!', 'saltstring', '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1'],
  ];
  for (const [password, salt, expected] of vectors) {
    it(`hashes ${JSON.stringify(password)} with salt ${salt}`, function () {
      expect(sha512Crypt(password, salt)).to.equal(expected);
    });
  }

  it('uses a fresh 16-character salt by default', function () {
    const [a, b] = [sha512Crypt('same'), sha512Crypt('same')];
    expect(a).to.match(/^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    expect(a).to.not.equal(b);
  });
});

describe("root's entry in passwd and shadow", function () {
  it("sets root's password field and last-change day in shadow, and nothing else", function () {
    const shadow = 'root:*:19000:0:99999:7:::\nsshd:*:19000:0:99999:7:::\n';
    expect(withRootHash(shadow, '$6$s$h', 20783)).to.equal('root:$6$s$h:20783:0:99999:7:::\nsshd:*:19000:0:99999:7:::\n');
  });

  it("sets only the password field in passwd (no last-change field there)", function () {
    const passwd = 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false\nroot:x:0:0:root:/root:/bin/sh\n';
    expect(withRootHash(passwd, '$6$s$h', null)).to.equal('nobody:x:65534:65534:nobody:/nonexistent:/bin/false\nroot:$6$s$h:0:0:root:/root:/bin/sh\n');
  });

  it('answers null without a root line (rootless or "rootkit:" does not count)', function () {
    expect(withRootHash('rootkit:x:0:0::/:/bin/sh\n', '$6$s$h', null)).to.equal(null);
    expect(withRootHash('', '$6$s$h', null)).to.equal(null);
  });

  it('counts days since 1970 in UTC', function () {
    expect(daysSinceEpoch(new Date('1970-01-02T00:00:00Z'))).to.equal(1);
    expect(daysSinceEpoch(new Date('2026-11-26T23:59:59Z'))).to.equal(20783);
  });
});

describe('the authorized_keys archive', function () {
  it('holds /root and /root/.ssh (0700) and authorized_keys (0600), all owned by root, one key a line', async function () {
    const archive = await authorizedKeysArchive(['ssh-ed25519 AAAA one', ' ssh-rsa BBBB two \n']);
    const extract = tar.extract();
    Readable.from([archive]).pipe(extract as unknown as NodeJS.WritableStream);
    const entries: { name: string; type: string; mode: number; uid: number; gid: number; body: string }[] = [];
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      const h = entry.header;
      entries.push({ name: h.name, type: h.type!, mode: h.mode!, uid: h.uid!, gid: h.gid!, body: Buffer.concat(chunks).toString() });
    }
    expect(entries).to.deep.equal([
      { name: 'root', type: 'directory', mode: 0o700, uid: 0, gid: 0, body: '' },
      { name: 'root/.ssh', type: 'directory', mode: 0o700, uid: 0, gid: 0, body: '' },
      { name: 'root/.ssh/authorized_keys', type: 'file', mode: 0o600, uid: 0, gid: 0, body: 'ssh-ed25519 AAAA one\nssh-rsa BBBB two\n' },
    ]);
  });
});

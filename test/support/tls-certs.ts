/**
 * Throw-away TLS material for TLS tests, generated with the `openssl` CLI: a CA, a server
 * certificate for 127.0.0.1/localhost and a client certificate, all RSA 2048, valid for 1 day.
 *
 * A private openssl config is written next to the files, so the result does not depend on the
 * system `openssl.cnf`.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const OPENSSL_TIMEOUT_MS = 30_000;

/** Paths of the generated PEM files. */
export interface TlsCerts {
  /** Directory holding everything (the caller removes it when done). */
  dir: string;
  /** CA certificate. */
  ca: string;
  /** Server certificate (SAN IP:127.0.0.1, DNS:localhost; serverAuth + clientAuth). */
  cert: string;
  /** Server private key. */
  key: string;
  /** Client certificate signed by the same CA (clientAuth). */
  clientCert: string;
  /** Client private key. */
  clientKey: string;
}

/** Minimal openssl config: DN section for `req`, extension sections for each certificate kind. */
const OPENSSL_CONFIG = `
[req]
distinguished_name = dn
prompt = no

[dn]
CN = streamq-test

[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[v3_client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

/** Runs `openssl` with an argument vector (no shell) and a timeout; includes stderr on failure. */
async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd, timeout: OPENSSL_TIMEOUT_MS });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${(error as Error).message}\n${stderr}`);
  }
}

/** Generates an unencrypted 2048-bit RSA private key. */
function generateKey(path: string, cwd: string): Promise<void> {
  return openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', path], cwd);
}

/** A random positive serial number in hex. */
function randomSerial(): string {
  const bytes = randomBytes(8);
  bytes.writeUInt8((bytes.readUInt8(0) & 0x7f) | 0x10, 0);
  return `0x${bytes.toString('hex')}`;
}

/** Creates the self-signed CA certificate. */
function createCa(dir: string, config: string, caKey: string, ca: string): Promise<void> {
  return openssl(
    ['req', '-x509', '-new', '-config', config, '-extensions', 'v3_ca', '-key', caKey, '-sha256', '-days', '1',
      '-subj', '/CN=streamq test CA', '-set_serial', randomSerial(), '-out', ca],
    dir,
  );
}

/** Creates a CSR for `key` and signs it with the CA using the given extension section. */
async function issueCert(
  dir: string,
  config: string,
  ca: { cert: string; key: string },
  leaf: { key: string; cert: string; subject: string; extensions: string },
): Promise<void> {
  const csr = `${leaf.cert}.csr`;
  await openssl(['req', '-new', '-config', config, '-key', leaf.key, '-subj', leaf.subject, '-out', csr], dir);
  await openssl(
    ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', randomSerial(), '-sha256',
      '-days', '1', '-extfile', config, '-extensions', leaf.extensions, '-out', leaf.cert],
    dir,
  );
}

/**
 * Generates a CA, a server certificate for 127.0.0.1/localhost and a client certificate in `dir`
 * (default: a new temp dir). Returns absolute paths of the PEM files.
 *
 * @example
 * const certs = await makeTlsCerts();
 * const server = await RedisServer.start({ tls: { cert: certs.cert, key: certs.key, ca: certs.ca } });
 */
export async function makeTlsCerts(dir?: string): Promise<TlsCerts> {
  const root = dir ? resolve(dir) : await mkdtemp(join(tmpdir(), 'streamq-tls-'));
  await mkdir(root, { recursive: true });
  const path = (name: string): string => join(root, name);
  const config = path('openssl.cnf');
  await writeFile(config, OPENSSL_CONFIG);
  const certs: TlsCerts = {
    dir: root,
    ca: path('ca.crt'),
    cert: path('server.crt'),
    key: path('server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
  };
  const caKey = path('ca.key');
  await Promise.all([caKey, certs.key, certs.clientKey].map((key) => generateKey(key, root)));
  await createCa(root, config, caKey, certs.ca);
  const ca = { cert: certs.ca, key: caKey };
  const server = { key: certs.key, cert: certs.cert, subject: '/CN=localhost', extensions: 'v3_server' };
  const client = {
    key: certs.clientKey,
    cert: certs.clientCert,
    subject: '/CN=streamq test client',
    extensions: 'v3_client',
  };
  await Promise.all([issueCert(root, config, ca, server), issueCert(root, config, ca, client)]);
  return certs;
}

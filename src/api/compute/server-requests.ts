import type { CreateRequestFields } from '../../compute/service';
import type { RebuildRequest } from '../../compute/rebuild';
import { hasDeviceTags } from '../../compute/server-requests';
import type { Microversion } from '../microversion';

type Fields = Pick<CreateRequestFields, 'description' | 'requestedHost' | 'requestedNode' | 'trustedCerts' | 'deviceTags'>;

/**
 * POST /servers fields of later microversions, read from the `server` object the version's body
 * schema admitted (schemas/server-requests.ts): a field is present only from its version on.
 */
export function serverRequestFields(sv: Record<string, any>, version: Microversion): Fields { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    // Nova: before 2.19 the description is the server's name; from 2.19 what was given, or null
    description: version.atLeast('2.19') ? (sv.description ?? null) : sv.name,
    deviceTags: hasDeviceTags(sv.networks), // 2.32, 2.33–2.36 and ≥ 2.42
    trustedCerts: sv.trusted_image_certificates, // 2.63
    requestedHost: sv.host, requestedNode: sv.hypervisor_hostname, // 2.74
  };
}

/**
 * The rebuild fields of later microversions (the version's body schema admits each only from its
 * version on): present keys are passed on, null included (it clears the value); absent ones are not.
 */
export function rebuildRequestFields(b: Record<string, any>): Pick<RebuildRequest, 'description' | 'keyName' | 'userData' | 'trustedCerts'> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const has = (key: string) => Object.hasOwn(b, key);
  return {
    ...(has('description') && { description: b.description }), // 2.19
    ...(has('key_name') && { keyName: b.key_name }), // 2.54
    ...(has('user_data') && { userData: b.user_data }), // 2.57
    ...(has('trusted_image_certificates') && { trustedCerts: b.trusted_image_certificates }), // 2.63
  };
}

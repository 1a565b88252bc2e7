import type { GeneralName } from '../../x509/extensions/types.js';
import { OID } from '../../x509/oids.js';
import { comparableName, type ComparableName } from './directory-name.js';
import { parseDnsName, type DnsName } from './dns.js';
import { parseMailbox, type Mailbox } from './email.js';
import { FORM, otherNameForm, type FormKey } from './subtree.js';
import type { NameConstraintsCheckInput } from './types.js';
import { uriHost, type UriHost } from './uri.js';

/** RFC 8398 SmtpUTF8Mailbox: an internationalised mailbox that rfc822Name constraints also govern. */
const SMTP_UTF8_MAILBOX = '1.3.6.1.5.5.7.8.9';

/** One name of a certificate, prepared for comparison. `undefined` parses mark malformed names. */
export type PreparedName = { readonly label: string; readonly forms: readonly FormKey[] } & (
  | { readonly kind: 'dns'; readonly parsed: DnsName | undefined }
  | { readonly kind: 'email'; readonly parsed: Mailbox | undefined }
  | { readonly kind: 'uri'; readonly host: UriHost }
  | { readonly kind: 'ip'; readonly address: Uint8Array | undefined }
  | { readonly kind: 'directoryName'; readonly name: ComparableName }
  | { readonly kind: 'hardwareModuleName'; readonly hwType: string; readonly serial: Uint8Array }
  | { readonly kind: 'unsupported' }
);

function quoted(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

function fromGeneralName(gn: GeneralName): PreparedName {
  switch (gn.type) {
    case 'dns':
      return { kind: 'dns', forms: [FORM.dns], label: `dNSName ${quoted(gn.value)}`, parsed: parseDnsName(gn.value) };
    case 'email':
      return {
        kind: 'email',
        forms: [FORM.email],
        label: `rfc822Name ${quoted(gn.value)}`,
        parsed: parseMailbox(gn.value),
      };
    case 'uri':
      return { kind: 'uri', forms: [FORM.uri], label: `URI ${quoted(gn.value)}`, host: uriHost(gn.value) };
    case 'ip': {
      // 8 or 32 octets (address and mask) belong in constraints only: in a name it is malformed.
      const address = gn.value.length === 4 || gn.value.length === 16 ? gn.value : undefined;
      return { kind: 'ip', forms: [FORM.ip], label: `iPAddress of ${gn.value.length} octets`, address };
    }
    case 'directoryName':
      return {
        kind: 'directoryName',
        forms: [FORM.directoryName],
        label: 'directoryName',
        name: comparableName(gn.value),
      };
    case 'otherName': {
      const forms = [otherNameForm(gn.typeId)];
      const label = `otherName ${gn.typeId}`;
      if (gn.typeId === OID.hardwareModuleName && gn.hardwareModuleName !== undefined) {
        const { hwType, hwSerialNum } = gn.hardwareModuleName;
        return { kind: 'hardwareModuleName', forms, label, hwType, serial: hwSerialNum };
      }
      // RFC 8398 section 6: rfc822Name constraints govern SmtpUTF8Mailbox names too; Keyline does not
      // compare them, so under such constraints the name is refused rather than let through.
      if (gn.typeId === SMTP_UTF8_MAILBOX) forms.push(FORM.email);
      return { kind: 'unsupported', forms, label };
    }
    case 'registeredId':
      return { kind: 'unsupported', forms: [FORM.registeredId], label: `registeredID ${gn.value}` };
    case 'x400Address':
    case 'ediPartyName':
      return { kind: 'unsupported', forms: [FORM[gn.type]], label: gn.type };
  }
}

/**
 * The names RFC 5280 6.1.3 (b) and (c) check, in a fixed order: the subject DN when it is not empty
 * (directoryName), the emailAddress attributes of the subject (rfc822Name: 4.2.1.10 requires it
 * when there is no subjectAltName; Keyline checks them always, as a DN address outside the allowed
 * space is no better for the SAN being there), then every subjectAltName entry. The subject's
 * commonName is NOT read as a dNSName: RFC 5280 constrains dNSName through subjectAltName only
 * (host names in CN are a Web PKI legacy that Keyline does not validate).
 */
export function prepareNames(input: NameConstraintsCheckInput): PreparedName[] {
  const names: PreparedName[] = [];
  if (input.subject.rdns.length > 0) {
    names.push({
      kind: 'directoryName',
      forms: [FORM.directoryName],
      label: 'subject DN',
      name: comparableName(input.subject),
    });
  }
  for (const rdn of input.subject.rdns) {
    for (const attribute of rdn) {
      if (attribute.type !== OID.emailAddress) continue;
      names.push({
        kind: 'email',
        forms: [FORM.email],
        label: `subject emailAddress ${quoted(attribute.value)}`,
        parsed: parseMailbox(attribute.value),
      });
    }
  }
  for (const gn of input.subjectAltNames ?? []) names.push(fromGeneralName(gn));
  return names;
}

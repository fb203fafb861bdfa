import { CUSTOMER_CSV_FIELDS, type CustomerCsvField } from "../../shared/customers.js";

/** Header spellings people use for each field, compared without case, spaces or punctuation. */
const HEADER_ALIASES: Record<CustomerCsvField, string[]> = {
  accountNumber: ["accountnumber", "account", "accountno", "accountid", "customernumber", "customerno"],
  name: ["name", "fullname", "customername", "customer", "subscriber"],
  email: ["email", "emailaddress", "mail"],
  phone: ["phone", "mobile", "mobilephone", "cell", "cellphone", "phonenumber", "telephone", "tel"],
  altPhone: ["altphone", "alternativephone", "alternatephone", "phone2", "otherphone", "homephone"],
  street: ["street", "address", "streetaddress", "address1", "serviceaddress"],
  city: ["city", "town"],
  region: ["region", "state", "province", "county"],
  postalCode: ["postalcode", "zip", "zipcode", "postcode"],
  country: ["country", "countrycode"],
  latitude: ["latitude", "lat"],
  longitude: ["longitude", "lng", "lon", "long"],
  servicePlan: ["serviceplan", "plan", "package", "serviceplanname"],
  connectionType: ["connectiontype", "connection", "technology", "accesstype"],
  site: ["site", "networksite", "tower", "pop", "sitename"],
  ipAddress: ["ipaddress", "ip", "ipv4", "ipv6"],
  macAddress: ["macaddress", "mac"],
  cpeModel: ["cpemodel", "routermodel", "model", "cpe"],
  cpeSerial: ["cpeserial", "serial", "serialnumber", "ontserial", "cpeserialnumber"],
  vlanId: ["vlanid", "vlan"],
  status: ["status", "customerstatus"],
  installDate: ["installdate", "installed", "installationdate"],
  smsOptOut: ["smsoptout", "optout", "nosms"],
  notes: ["notes", "note", "comments", "comment", "remarks"],
};

const squash = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, "");

/** The field a CSV header names, or null when it names none. */
export function fieldForHeader(header: string): CustomerCsvField | null {
  const key = squash(header);
  for (const field of CUSTOMER_CSV_FIELDS) {
    if (HEADER_ALIASES[field].includes(key)) return field;
  }
  return null;
}

/**
 * Spreadsheet programs run a cell that starts with = + - @ as a formula; free text is prefixed
 * with ' so an exported file cannot carry one (OWASP "CSV injection"). Import strips it again.
 */
export function protectCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function unprotectCell(value: string): string {
  return /^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
}

import fc from "fast-check";
import { getExpectedTwilioSignature, validateRequest } from "twilio/lib/webhooks/webhooks.js";
import { describe, expect, it } from "vitest";
import { computeTwilioSignature, isValidTwilioSignature } from "../../src/server/sms/sms.signature.js";

// The example request of Twilio's request-validation documentation and of its Node library's tests.
const TOKEN = "12345";
const URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
const callParams = (caller: string) => ({
  CallSid: "CA1234567890ABCDE",
  Caller: caller,
  Digits: "1234",
  From: caller,
  To: "+18005551212",
});

describe("Twilio webhook signature", () => {
  it("matches Twilio's published example signatures", () => {
    expect(computeTwilioSignature(TOKEN, URL, callParams("+14158675309"))).toBe("RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    expect(computeTwilioSignature(TOKEN, URL, callParams("+12349013030"))).toBe("0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    expect(isValidTwilioSignature(TOKEN, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL, callParams("+14158675309"))).toBe(true);
  });

  it("refuses a wrong signature, token, URL or field", () => {
    const params = callParams("+14158675309");
    const signature = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
    expect(isValidTwilioSignature(TOKEN, "RSOYDt4T1cUTdK1PDd93/VVr8B8", URL, params)).toBe(false);
    expect(isValidTwilioSignature(TOKEN, "", URL, params)).toBe(false);
    expect(isValidTwilioSignature("54321", signature, URL, params)).toBe(false);
    expect(isValidTwilioSignature(TOKEN, signature, `${URL}&baz=3`, params)).toBe(false);
    expect(isValidTwilioSignature(TOKEN, signature, URL, { ...params, Digits: "1235" })).toBe(false);
    expect(isValidTwilioSignature(TOKEN, signature, URL, { ...params, Extra: "" })).toBe(false);
  });

  it("accepts the URL signed with or without its default port, as Twilio's library does", () => {
    const params = callParams("+14158675309");
    const withPort = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
    const signedWithPort = getExpectedTwilioSignature(TOKEN, withPort, params);
    expect(isValidTwilioSignature(TOKEN, signedWithPort, URL, params)).toBe(true);
    expect(isValidTwilioSignature(TOKEN, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", withPort, params)).toBe(true);
    const otherPort = getExpectedTwilioSignature(TOKEN, "https://mycompany.com:8443/myapp.php?foo=1&bar=2", params);
    expect(isValidTwilioSignature(TOKEN, otherPort, URL, params)).toBe(false);
  });

  it("signs any form exactly as Twilio's own library does, repeated fields included", () => {
    const field = fc.oneof(fc.string(), fc.array(fc.string(), { minLength: 1, maxLength: 3 }));
    const form = fc.dictionary(fc.string({ minLength: 1 }), field, { maxKeys: 6 });
    const url = fc.webUrl({ withQueryParameters: true });
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), url, form, (token, webhookUrl, params) => {
        const expected = getExpectedTwilioSignature(token, webhookUrl, params);
        expect(computeTwilioSignature(token, webhookUrl, params)).toBe(expected);
        expect(isValidTwilioSignature(token, expected, webhookUrl, params)).toBe(
          validateRequest(token, expected, webhookUrl, params),
        );
      }),
      { numRuns: 200 },
    );
  });
});

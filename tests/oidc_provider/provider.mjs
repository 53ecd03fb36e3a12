// A real OpenID Connect provider for the sign-in tests: the npm package `oidc-provider`, with
// its development login form (any login name, any password). The login name is the account:
// its claims carry that name as the national register number (claim `rrn`), so a test signs
// in as whoever it types.
//
//   node tests/oidc_provider/provider.mjs PORT REDIRECT_URI CLIENT_ID CLIENT_SECRET
//
// Prints "ready" on standard output once it listens on 127.0.0.1:PORT.
import Provider from "oidc-provider";

const [port, redirectUri, clientId, clientSecret] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  claims: {
    openid: ["sub"],
    profile: ["given_name", "family_name", "name"],
    rrn: ["rrn"],
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, rrn: id, given_name: "Test", family_name: `Burger ${id.slice(-4)}` };
      },
    };
  },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  cookies: { keys: ["loket-test-provider-cookie-key"] },
});

provider.listen(Number(port), "127.0.0.1", () => {
  console.log("ready");
});

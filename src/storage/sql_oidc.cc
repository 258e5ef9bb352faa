// The OpenID Connect provider's tables (storage/oidc_store.h).
#include "storage/sql_store_impl.h"

namespace tessera {

using namespace sql_detail;

namespace {

constexpr std::string_view kClientColumns =
    "id, name, secret_hash, redirect_uris, post_logout_redirect_uris, grants, require_mfa, "
    "id_token_alg, created_at";
constexpr std::string_view kGrantColumns =
    "id, client_id, user_id, scope, amr, acr, auth_time, nonce, security_version, session_hash, "
    "created_at, expires_at, revoked_at";

std::string signing_key_associated_data(const std::string& kid) {
  return "oidc_signing_keys:" + kid;
}

std::string joined(const std::vector<std::string>& items, char separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out.push_back(separator);
    out += item;
  }
  return out;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const std::size_t at = text.find(separator);
    if (at != 0) out.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return out;
}

OidcClient client_from(const SqlRow& row) {
  OidcClient client;
  client.id = row.text(0);
  client.name = row.text(1);
  client.secret_hash = row.is_null(2) ? std::string() : row.text(2);
  client.redirect_uris = split(row.text(3), '\n');
  client.post_logout_redirect_uris = split(row.text(4), '\n');
  client.grants = split(row.text(5), ' ');
  client.require_mfa = row.integer(6) != 0;
  client.id_token_alg = row.text(7);
  client.created_at = from_unix_seconds(row.integer(8));
  return client;
}

OidcGrant grant_from(const SqlRow& row) {
  OidcGrant grant;
  grant.id = row.text(0);
  grant.client_id = row.text(1);
  grant.user_id = row.text(2);
  grant.scope = row.text(3);
  grant.amr = row.text(4);
  grant.acr = row.text(5);
  grant.auth_time = from_unix_seconds(row.integer(6));
  grant.nonce = row.text(7);
  grant.security_version = row.integer(8);
  grant.session_hash = row.text(9);
  grant.created_at = from_unix_seconds(row.integer(10));
  grant.expires_at = from_unix_seconds(row.integer(11));
  grant.revoked_at = optional_timestamp(row, 12);
  return grant;
}

}  // namespace

Status SqlStore::add_oidc_client(const OidcClient& client, const AuditLogEntry* audit) {
  return connections_.in_transaction([&](SqlConnection& connection) -> Status {
    auto inserted = connection.execute(
        "INSERT INTO oidc_clients (" + std::string(kClientColumns) +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {client.id, client.name,
         client.secret_hash.empty() ? SqlValue(nullptr) : SqlValue(client.secret_hash),
         joined(client.redirect_uris, '\n'), joined(client.post_logout_redirect_uris, '\n'),
         joined(client.grants, ' '), std::int64_t{client.require_mfa}, client.id_token_alg,
         seconds(client.created_at)});
    if (!inserted.ok() && inserted.status().code() == ErrorCode::already_exists) {
      return already_exists("a client " + client.id + " already exists");
    }
    TESSERA_RETURN_IF_ERROR(inserted.status());
    return maybe_audit(connection, audit);
  });
}

Result<OidcClient> SqlStore::find_oidc_client(const std::string& id) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute(
          "SELECT " + std::string(kClientColumns) + " FROM oidc_clients WHERE id = $1", {id}));
  if (result.rows.empty()) return not_found("no client " + id);
  return client_from(result.rows[0]);
}

Result<std::vector<OidcClient>> SqlStore::list_oidc_clients() {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(SqlResult result,
                           connection->execute("SELECT " + std::string(kClientColumns) +
                                                   " FROM oidc_clients ORDER BY name, id LIMIT $1",
                                               {static_cast<std::int64_t>(kMaxListLimit)}));
  std::vector<OidcClient> clients;
  for (const SqlRow& row : result.rows)
    clients.push_back(client_from(row));
  return clients;
}

Status SqlStore::delete_oidc_client(const std::string& id, const AuditLogEntry* audit) {
  return connections_.in_transaction([&](SqlConnection& connection) -> Status {
    // Children first: SQLite enforces the cascade only with foreign keys on, and this must not
    // depend on it.
    TESSERA_RETURN_IF_ERROR(connection
                                .execute("DELETE FROM oidc_codes WHERE grant_id IN "
                                         "(SELECT id FROM oidc_grants WHERE client_id = $1)",
                                         {id})
                                .status());
    TESSERA_RETURN_IF_ERROR(connection
                                .execute("DELETE FROM oidc_refresh_tokens WHERE grant_id IN "
                                         "(SELECT id FROM oidc_grants WHERE client_id = $1)",
                                         {id})
                                .status());
    TESSERA_RETURN_IF_ERROR(
        connection.execute("DELETE FROM oidc_grants WHERE client_id = $1", {id}).status());
    TESSERA_ASSIGN_OR_RETURN(SqlResult deleted,
                             connection.execute("DELETE FROM oidc_clients WHERE id = $1", {id}));
    if (deleted.affected_rows == 0) return not_found("no client " + id);
    return maybe_audit(connection, audit);
  });
}

Result<std::vector<OidcSigningKey>> SqlStore::list_signing_keys(Timestamp retired_since) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute("SELECT kid, alg, sealed_private_key, created_at, retired_at "
                          "FROM oidc_signing_keys WHERE retired_at IS NULL OR retired_at > $1 "
                          "ORDER BY created_at DESC, kid",
                          {seconds(retired_since)}));
  std::vector<OidcSigningKey> keys;
  for (const SqlRow& row : result.rows) {
    OidcSigningKey key;
    key.kid = row.text(0);
    key.alg = row.text(1);
    TESSERA_ASSIGN_OR_RETURN(key.private_key,
                             sealer_.open(row.blob(2), signing_key_associated_data(key.kid)));
    key.created_at = from_unix_seconds(row.integer(3));
    key.retired_at = optional_timestamp(row, 4);
    keys.push_back(std::move(key));
  }
  return keys;
}

Status SqlStore::rotate_signing_keys(const std::vector<OidcSigningKey>& keys, Timestamp now,
                                     const AuditLogEntry* audit) {
  std::vector<std::vector<std::uint8_t>> sealed;
  for (const OidcSigningKey& key : keys) {
    sealed.push_back(
        sealer_.seal(key.private_key.span(), signing_key_associated_data(key.kid), rng_));
  }
  return connections_.in_transaction([&](SqlConnection& connection) -> Status {
    TESSERA_RETURN_IF_ERROR(
        connection
            .execute("UPDATE oidc_signing_keys SET retired_at = $1 WHERE retired_at IS NULL",
                     {seconds(now)})
            .status());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      TESSERA_RETURN_IF_ERROR(
          connection
              .execute("INSERT INTO oidc_signing_keys (kid, alg, sealed_private_key, created_at) "
                       "VALUES ($1, $2, $3, $4)",
                       {keys[i].kid, keys[i].alg, SqlBlob{sealed[i]}, seconds(keys[i].created_at)})
              .status());
    }
    return maybe_audit(connection, audit);
  });
}

Status SqlStore::add_oidc_grant(const OidcGrant& grant, const OidcCode& code) {
  // A grant is nothing until its code is redeemed (which commits durably): one lost to a power
  // cut only turns the app's code into invalid_grant, and the person signs in again.
  return connections_.in_ephemeral_transaction([&](SqlConnection& connection) -> Status {
    auto inserted = connection.execute(
        "INSERT INTO oidc_grants (" + std::string(kGrantColumns) +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        {grant.id, grant.client_id, grant.user_id, grant.scope, grant.amr, grant.acr,
         seconds(grant.auth_time), grant.nonce, grant.security_version, grant.session_hash,
         seconds(grant.created_at), seconds(grant.expires_at), optional_seconds(grant.revoked_at)});
    if (!inserted.ok() && inserted.status().code() == ErrorCode::failed_precondition) {
      return not_found("no such user or client for this grant");
    }
    TESSERA_RETURN_IF_ERROR(inserted.status());
    return connection
        .execute(
            "INSERT INTO oidc_codes (code_hash, grant_id, redirect_uri, code_challenge, "
            "auth_time_asked, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            {code.code_hash, grant.id, code.redirect_uri, code.code_challenge,
             std::int64_t{code.auth_time_asked}, seconds(code.expires_at)})
        .status();
  });
}

Result<OidcGrant> SqlStore::find_oidc_grant(const std::string& id) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute(
          "SELECT " + std::string(kGrantColumns) + " FROM oidc_grants WHERE id = $1", {id}));
  if (result.rows.empty()) return not_found("no grant " + id);
  return grant_from(result.rows[0]);
}

Result<Redemption> SqlStore::redeem_oidc_code(const std::string& code_hash, Timestamp now,
                                              OidcCode& code) {
  Redemption outcome = Redemption::unknown;
  TESSERA_RETURN_IF_ERROR(connections_.in_transaction([&](SqlConnection& connection) -> Status {
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult found,
        connection.execute("SELECT code_hash, grant_id, redirect_uri, code_challenge, "
                           "auth_time_asked, expires_at, used_at FROM oidc_codes "
                           "WHERE code_hash = $1",
                           {code_hash}));
    if (found.rows.empty()) {
      outcome = Redemption::unknown;
      return Status();
    }
    const SqlRow& row = found.rows[0];
    code = OidcCode{row.text(0),
                    row.text(1),
                    row.text(2),
                    row.text(3),
                    row.integer(4) != 0,
                    from_unix_seconds(row.integer(5)),
                    optional_timestamp(row, 6)};
    if (code.used_at) {
      outcome = Redemption::already_used;
      return Status();
    }
    if (code.expires_at <= now) {
      outcome = Redemption::expired;
      return Status();
    }
    // Of two redemptions racing, the one whose update finds the code unused wins.
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult used,
        connection.execute(
            "UPDATE oidc_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL",
            {code_hash, seconds(now)}));
    outcome = used.affected_rows == 1 ? Redemption::redeemed : Redemption::already_used;
    return Status();
  }));
  return outcome;
}

Status SqlStore::add_refresh_token(const OidcRefreshToken& token) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  auto inserted = connection->execute(
      "INSERT INTO oidc_refresh_tokens (token_hash, grant_id, created_at, expires_at) "
      "VALUES ($1, $2, $3, $4)",
      {token.token_hash, token.grant_id, seconds(token.created_at), seconds(token.expires_at)});
  if (!inserted.ok() && inserted.status().code() == ErrorCode::failed_precondition) {
    return not_found("no such grant for this refresh token");
  }
  return inserted.status();
}

Result<std::optional<OidcRefreshToken>> SqlStore::find_refresh_token(
    const std::string& token_hash) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult found,
      connection->execute("SELECT token_hash, grant_id, created_at, expires_at, used_at "
                          "FROM oidc_refresh_tokens WHERE token_hash = $1",
                          {token_hash}));
  if (found.rows.empty()) return std::optional<OidcRefreshToken>();
  const SqlRow& row = found.rows[0];
  return std::optional<OidcRefreshToken>(
      OidcRefreshToken{row.text(0), row.text(1), from_unix_seconds(row.integer(2)),
                       from_unix_seconds(row.integer(3)), optional_timestamp(row, 4)});
}

Result<Redemption> SqlStore::redeem_refresh_token(const std::string& token_hash, Timestamp now,
                                                  OidcRefreshToken& token) {
  TESSERA_ASSIGN_OR_RETURN(std::optional<OidcRefreshToken> found, find_refresh_token(token_hash));
  if (!found) return Redemption::unknown;
  token = std::move(*found);
  if (token.used_at) return Redemption::already_used;
  if (token.expires_at <= now) return Redemption::expired;
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult used,
      connection->execute(
          "UPDATE oidc_refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
          {token_hash, seconds(now)}));
  return used.affected_rows == 1 ? Redemption::redeemed : Redemption::already_used;
}

Status SqlStore::revoke_oidc_grant(const std::string& grant_id, Timestamp now) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  return connection
      ->execute("UPDATE oidc_grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                {grant_id, seconds(now)})
      .status();
}

Result<std::size_t> SqlStore::revoke_session_grants(const std::string& session_hash,
                                                    Timestamp now) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(SqlResult revoked,
                           connection->execute("UPDATE oidc_grants SET revoked_at = $2 "
                                               "WHERE session_hash = $1 AND revoked_at IS NULL",
                                               {session_hash, seconds(now)}));
  return static_cast<std::size_t>(revoked.affected_rows);
}

Status SqlStore::revoke_access_token(const std::string& jti, Timestamp expires_at) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  // Revoking twice is revoking; a failed insert would spoil a surrounding PostgreSQL transaction.
  return connection
      ->execute(
          "INSERT INTO oidc_revoked_tokens (jti, expires_at) VALUES ($1, $2) "
          "ON CONFLICT (jti) DO NOTHING",
          {jti, seconds(expires_at)})
      .status();
}

Result<bool> SqlStore::access_token_revoked(const std::string& jti) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult found,
      connection->execute("SELECT 1 FROM oidc_revoked_tokens WHERE jti = $1", {jti}));
  return !found.rows.empty();
}

Result<std::size_t> SqlStore::delete_expired_oidc(Timestamp now) {
  std::size_t deleted = 0;
  TESSERA_RETURN_IF_ERROR(connections_.in_transaction([&](SqlConnection& connection) -> Status {
    const std::int64_t at = seconds(now);
    for (std::string_view statement : {"DELETE FROM oidc_codes WHERE expires_at <= $1",
                                       "DELETE FROM oidc_refresh_tokens WHERE expires_at <= $1",
                                       "DELETE FROM oidc_revoked_tokens WHERE expires_at <= $1",
                                       "DELETE FROM oidc_codes WHERE grant_id IN "
                                       "(SELECT id FROM oidc_grants WHERE expires_at <= $1)",
                                       "DELETE FROM oidc_refresh_tokens WHERE grant_id IN "
                                       "(SELECT id FROM oidc_grants WHERE expires_at <= $1)",
                                       "DELETE FROM oidc_grants WHERE expires_at <= $1"}) {
      TESSERA_ASSIGN_OR_RETURN(SqlResult result, connection.execute(statement, {at}));
      deleted += static_cast<std::size_t>(result.affected_rows);
    }
    return Status();
  }));
  return deleted;
}

}  // namespace tessera

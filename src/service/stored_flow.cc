#include "service/stored_flow.h"

#include "crypto/token.h"
#include "service/flow_codec.h"

namespace tessera {

const std::string* user_id_of(const SignInStep& step) {
  return std::visit(
      [](const auto& s) -> const std::string* {
        if constexpr (requires { s.user_id; }) {
          return &s.user_id;
        } else {
          return nullptr;
        }
      },
      step);
}

Result<std::optional<StoredFlow>> find_stored_flow(Store& store, std::string_view flow_id,
                                                   FlowKind kind, Timestamp now) {
  if (flow_id.empty() || flow_id.size() > kMaxFlowIdLength) return std::optional<StoredFlow>();
  StoredFlow loaded;
  loaded.id = std::string(flow_id);
  loaded.id_hash = hash_token(flow_id);
  auto record = store.find_flow(loaded.id_hash, now);
  if (!record.ok()) {
    if (record.status().code() == ErrorCode::not_found) return std::optional<StoredFlow>();
    return record.status();
  }
  auto flow = decode_flow(record->state);
  if (!flow.ok() || flow->kind != kind) return std::optional<StoredFlow>();
  loaded.version = record->version;
  loaded.code_attempts = record->code_attempts;
  loaded.step = std::string(step_name(flow->step));
  loaded.flow = std::move(flow).value();
  return std::optional<StoredFlow>(std::move(loaded));
}

Result<std::optional<StoredFlow>> load_stored_flow(Store& store, std::string_view flow_id,
                                                   FlowKind kind, std::string_view posted_step,
                                                   Timestamp now) {
  TESSERA_ASSIGN_OR_RETURN(std::optional<StoredFlow> loaded,
                           find_stored_flow(store, flow_id, kind, now));
  if (!loaded) return loaded;
  if (!posted_step.empty() && loaded->step != posted_step) {
    (void)store.delete_flow(loaded->id_hash);
    return std::optional<StoredFlow>();
  }
  const std::string* user_id = user_id_of(loaded->flow.step);
  if (user_id == nullptr || (user_id->empty() && kind == FlowKind::password_reset)) return loaded;
  auto user = store.find_user_by_id(*user_id);
  if (!user.ok() && user.status().code() != ErrorCode::not_found) return user.status();
  if (!user.ok() || user->status != UserStatus::active ||
      user->security_version != loaded->flow.security_version) {
    (void)store.delete_flow(loaded->id_hash);
    return std::optional<StoredFlow>();
  }
  loaded->user = std::move(user).value();
  return loaded;
}

Status write_stored_flow(Store& store, Rng& rng, StoredFlow& loaded, const SignInFlow& flow) {
  std::string step(step_name(flow.step));
  const std::string* user_id = user_id_of(flow.step);
  FlowRecord record{loaded.id_hash, encode_flow(flow), loaded.version, flow.expires_at,
                    user_id != nullptr ? *user_id : std::string()};
  if (step == loaded.step || loaded.version == 0) {
    TESSERA_ASSIGN_OR_RETURN(loaded.version, store.save_flow(record));
  } else {
    IssuedToken fresh = issue_token(rng);
    TESSERA_ASSIGN_OR_RETURN(loaded.version, store.save_flow(record, &fresh.token_hash));
    loaded.id = std::string(fresh.token.view());
    loaded.id_hash = std::move(fresh.token_hash);
    loaded.code_attempts = 0;
  }
  loaded.step = std::move(step);
  return Status();
}

}  // namespace tessera

#!/bin/sh
# The protected page: shows the claims mod_auth_openidc hands the app in its environment.
escape() { printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
printf 'Content-Type: text/html; charset=utf-8\r\n\r\n'
cat <<PAGE
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Expense reports</title></head>
<body>
<h1>Expense reports</h1>
<dl>
<dt>Subject</dt><dd data-testid="sub">$(escape "$OIDC_CLAIM_sub")</dd>
<dt>Name</dt><dd data-testid="name">$(escape "$OIDC_CLAIM_name")</dd>
<dt>Email</dt><dd data-testid="email">$(escape "$OIDC_CLAIM_email")</dd>
<dt>REMOTE_USER</dt><dd data-testid="remote-user">$(escape "$REMOTE_USER")</dd>
<dt>ID token</dt><dd data-testid="id-token">$(escape "$OIDC_id_token")</dd>
<dt>ID token payload</dt><dd data-testid="id-token-payload">$(escape "$OIDC_id_token_payload")</dd>
</dl>
</body>
</html>
PAGE

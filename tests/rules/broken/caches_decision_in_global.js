/**
 * BROKEN ON PURPOSE: a variant of the example MFA rule (rules_src/templates/mfa_for_roles.js.j2)
 * for rulekit's proof that fuzzing finds bypasses (tests/rules/test_fuzzing_finds_bypasses.py).
 * Never deploy it.
 *
 * Bug: caches "does this login need MFA?" in Auth0's per-container `global`, keyed by the
 * application instead of the user: once a user without the role has logged in to an app, an
 * admin logging in to the same app from the same container skips MFA. Every login on its own
 * (a new container each) is right, so only the carry-over property sees it.
 * caught-by: test_earlier_logins_do_not_change_the_outcome
 * replaces: require-mfa-for-ai-admins
 */
function requireMfaForRoles(user, context, callback) {
  global.mfaByClient = global.mfaByClient || {};
  var needsMfa = global.mfaByClient[context.clientID];
  if (needsMfa === undefined) {
    var roles = (user.app_metadata && user.app_metadata.roles) || [];
    if (typeof roles === 'string') { roles = [roles]; }
    if (!Array.isArray(roles)) { roles = []; }
    needsMfa = roles.indexOf('ai_system_admin') !== -1;
    global.mfaByClient[context.clientID] = needsMfa;
  }
  if (needsMfa) {
    context.multifactor = { provider: 'any', allowRememberBrowser: false };
  }
  callback(null, user, context);
}

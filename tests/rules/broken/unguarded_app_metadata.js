/**
 * BROKEN ON PURPOSE: a variant of the example MFA rule (rules_src/templates/mfa_for_roles.js.j2)
 * for rulekit's proof that fuzzing finds bypasses (tests/rules/test_fuzzing_finds_bypasses.py).
 * Never deploy it.
 *
 * Bug: assumes app_metadata is always there (Auth0: it may be undefined); a user without it
 * fails to log in with a TypeError.
 * caught-by: test_never_errors
 * replaces: require-mfa-for-ai-admins
 */
function requireMfaForRoles(user, context, callback) {
  var roles = user.app_metadata.roles || [];
  if (typeof roles === 'string') { roles = [roles]; }
  if (!Array.isArray(roles)) { roles = []; }
  if (roles.indexOf('ai_system_admin') !== -1) {
    context.multifactor = { provider: 'any', allowRememberBrowser: false };
  }
  callback(null, user, context);
}

/**
 * BROKEN ON PURPOSE: a variant of the example MFA rule (rules_src/templates/mfa_for_roles.js.j2)
 * for rulekit's proof that fuzzing finds bypasses (tests/rules/test_fuzzing_finds_bypasses.py).
 * Never deploy it.
 *
 * Bug: accounts made in the last 14 days skip MFA (a grace period to enrol): a new
 * account given the admin role is an admin without MFA.
 * caught-by: test_role_holders_always_get_mfa
 * replaces: require-mfa-for-ai-admins
 */
function requireMfaForRoles(user, context, callback) {
  if (Date.now() - Date.parse(user.created_at) < 14 * 24 * 3600 * 1000) {
    return callback(null, user, context);
  }
  var roles = (user.app_metadata && user.app_metadata.roles) || [];
  if (typeof roles === 'string') { roles = [roles]; }
  if (!Array.isArray(roles)) { roles = []; }
  if (roles.indexOf('ai_system_admin') !== -1) {
    context.multifactor = { provider: 'any', allowRememberBrowser: false };
  }
  callback(null, user, context);
}

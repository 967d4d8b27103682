/**
 * BROKEN ON PURPOSE: a variant of the example MFA rule (rules_src/templates/mfa_for_roles.js.j2)
 * for rulekit's proof that fuzzing finds bypasses (tests/rules/test_fuzzing_finds_bypasses.py).
 * Never deploy it.
 *
 * Bug: denies the login when roles are not a list, locking out users with a lone string role
 * or odd data instead of treating it as no role.
 * caught-by: test_nobody_is_denied
 * replaces: require-mfa-for-ai-admins
 */
function requireMfaForRoles(user, context, callback) {
  var roles = (user.app_metadata && user.app_metadata.roles) || [];
  if (!Array.isArray(roles)) {
    return callback(new UnauthorizedError('invalid roles'));
  }
  if (roles.indexOf('ai_system_admin') !== -1) {
    context.multifactor = { provider: 'any', allowRememberBrowser: false };
  }
  callback(null, user, context);
}

/**
 * BROKEN ON PURPOSE: a variant of the example MFA rule (rules_src/templates/mfa_for_roles.js.j2)
 * for rulekit's proof that fuzzing finds bypasses (tests/rules/test_fuzzing_finds_bypasses.py).
 * Never deploy it.
 *
 * Bug: the monitoring's health check is exempted by its user agent: any client that
 * sends that string is an admin without MFA.
 * caught-by: test_role_holders_always_get_mfa
 * replaces: require-mfa-for-ai-admins
 */
function requireMfaForRoles(user, context, callback) {
  if ((context.request.userAgent || '').indexOf('ai-healthcheck') !== -1) {
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

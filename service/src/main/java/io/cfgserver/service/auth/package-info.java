/**
 * Who may do what, and the record of what was done. Tokens map to callers with a role
 * ({@link io.cfgserver.service.auth.Role}); resource methods say which roles they need with
 * {@code @RolesAllowed}; every state change and every refused request becomes a line of the audit
 * log in the registry. Owns the token store (hashes only), the authentication and role filters, and
 * the audit filter. Must not decide anything about topology: it only lets requests through or not.
 */
package io.cfgserver.service.auth;

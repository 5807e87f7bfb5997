/** Secrets the test suite uses; the run-wide log scan fails if any of them is ever logged. */
export const TEST_SECRET = "test-secret-0123456789abcdef";
export const TEST_HMAC_SECRET = "hmac-secret-abcdef0123456789";
export const TEST_PAYMENT_LINK_SECRET = "payment-link-secret-fedcba9876543210";
export const LOGGED_SECRETS = [TEST_SECRET, TEST_HMAC_SECRET, TEST_PAYMENT_LINK_SECRET];

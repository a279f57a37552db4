/**
 * A sliding log in a sorted set, replacing the library's fixed-window counter (see SlidingLog for
 * why). Times come from Redis's clock, the one clock every replica shares. KEYS[1]: the log.
 * ARGV[1]: points to take, ARGV[3]: the limit (the library's argument order). The window is baked
 * in: the library passes whole seconds only. Returns {points in use after the take, ms before the
 * next slot frees}, what the library expects of an increment script; more than the limit = refused.
 */
export function slidingLogScript(windowMs: number): string {
  return `
if redis.replicate_commands then redis.replicate_commands() end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = ${Math.ceil(windowMs)}
local want = tonumber(ARGV[1])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if used + want > limit then
  local freeing = redis.call('ZRANGE', KEYS[1], used + want - limit - 1, used + want - limit - 1, 'WITHSCORES')
  return {used + want, tonumber(freeing[2]) + window - now}
end
for i = 1, want do
  -- Unique within a millisecond: nothing leaves the log between two calls in the same one.
  redis.call('ZADD', KEYS[1], now, now .. ':' .. (used + i))
end
redis.call('PEXPIRE', KEYS[1], window)
return {used + want, window}`;
}

/**
 * Names the data set the logs belong to. A Redis that restarted empty has none, or a new one: the
 * replicas then write their own recent grants back, so that the logs hold them again.
 */
export const GENERATION_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]`;

/** Writes grants back into a log. KEYS[1]: the log; ARGV[1]: the window; then score, member pairs. */
export const RESEED_SCRIPT = `
for i = 2, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

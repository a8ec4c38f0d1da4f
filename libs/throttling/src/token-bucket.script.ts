/**
 * A token bucket in one Redis hash, updated atomically by a Lua script so every API pod draws from the same
 * bucket in one round trip. rate-limiter-flexible 11.4 (our limiter before) has fixed windows only: its
 * BurstyRateLimiter stacks two fixed windows and execEvenly delays accepted calls, neither of which refills
 * steadily, and no other maintained Node library does this over ioredis.
 *
 * The hash keeps the tokens used (`level`) and when it was last drawn on (`ts`, Redis server time, so pods'
 * clocks may disagree). The level drains at `capacity / periodMs` per millisecond; a request is allowed when
 * `level + cost <= capacity`. Storing the level used (rather than the tokens left) keeps what a tenant has used
 * when an override changes its capacity. A refused request changes nothing, so a flood cannot prolong itself.
 *
 * KEYS[1] bucket; ARGV capacity, periodMs, cost.
 * Returns { allowed 1|0, tokens left (whole), ms until the next whole token (refused: until `cost` tokens) }.
 */
export const TOKEN_BUCKET_LUA = `
local capacity = tonumber(ARGV[1])
local rate = capacity / tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'level', 'ts')
local level = tonumber(state[1]) or 0
local ts = tonumber(state[2]) or now
if now > ts then level = math.max(0, level - (now - ts) * rate) end
if level + cost > capacity + 1e-9 then
  return { 0, math.max(0, math.floor(capacity - level + 1e-9)), math.ceil((level + cost - capacity) / rate) }
end
level = level + cost
redis.call('HSET', KEYS[1], 'level', string.format('%.6f', level), 'ts', string.format('%.0f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(level / rate) + 1000)
local left = capacity - level
local whole = math.floor(left + 1e-9)
return { 1, whole, math.max(1, math.ceil((whole + 1 - left) / rate)) }
`;

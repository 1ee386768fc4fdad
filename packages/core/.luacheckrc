-- luacheck settings for the Redis scripts of src/runs/lua/ (scripts/lint-lua.mjs lints
-- each with its includes in place). Redis runs Lua 5.1, with `redis`, `KEYS` and `ARGV`.
std = 'lua51'
read_globals = { 'redis', 'KEYS', 'ARGV' }
max_line_length = 120

-- floop.py in Lua.
local function loop(n)
  local x = 0.0
  for i = 0, n - 1 do x = x * 0.999 + i * 0.5 end
  return x
end
print(loop(10000000))

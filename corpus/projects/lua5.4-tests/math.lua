-- numbers: integers and floats, math library, bitwise ops, conversions
local H = require "harness"
local check, eq, near = H.check, H.eq, H.near

check("math.integers", function()
  eq(math.type(1), "integer", "int"); eq(math.type(1.0), "float", "float"); eq(math.type("1"), nil, "string")
  eq(7 // 2, 3, "idiv"); eq(-7 // 2, -4, "idiv floor"); eq(7 % -3, -2, "mod sign"); eq(-7 % 3, 2, "mod sign 2")
  eq(math.maxinteger + 1, math.mininteger, "wraparound")
  eq(math.mininteger // -1, math.mininteger, "minint // -1")
  eq(math.mininteger % -1, 0, "minint % -1")
  eq(2^63 == math.maxinteger + 1.0, true, "float compare")
  eq(math.maxinteger < 2^63, true, "int < float")
  eq(1 == 1.0, true, "int == float")
  eq(math.tointeger(3.0), 3, "tointeger"); eq(math.tointeger(3.5), nil, "tointeger frac")
  eq(3 | 0, 3, "bor"); eq(0xF0 & 0x3C, 0x30, "band"); eq(0xF0 ~ 0xFF, 0x0F, "bxor")
  eq(1 << 62, 4611686018427387904, "shl"); eq(1 << 64, 0, "shl overflow"); eq(-1 >> 63, 1, "logical shr")
  eq(~0, -1, "bnot")
  eq(2.0 | 1, 3, "float to int bitwise")
  H.raises(function() return 2.5 | 1 end, "number has no integer representation", "bitwise float")
  local zero = 0
  H.raises(function() return 1 // zero end, "attempt to divide by zero", "idiv zero")
  H.raises(function() return 1 % zero end, "attempt to perform 'n%%0'", "mod zero")
  eq(1 / 0, math.huge, "div zero float"); eq(-1 / 0, -math.huge, "neg inf")
  local nan = 0 / 0
  eq(nan ~= nan, true, "nan")
end)

check("math.functions", function()
  near(math.sin(math.pi / 6), 0.5, 1e-15, "sin"); near(math.cos(0), 1, 0, "cos")
  near(math.tan(math.pi / 4), 1, 1e-15, "tan"); near(math.atan(1, 1), math.pi / 4, 1e-15, "atan2")
  near(math.asin(1), math.pi / 2, 1e-15, "asin"); near(math.acos(1), 0, 0, "acos")
  near(math.exp(1), 2.718281828459045, 1e-15, "exp"); near(math.log(math.exp(2)), 2, 1e-15, "log")
  near(math.log(1024, 2), 10, 1e-15, "log2"); near(math.log(1000, 10), 3, 1e-15, "log10")
  near(math.sqrt(2), 1.4142135623730951, 1e-16, "sqrt")
  eq(math.floor(3.7), 3, "floor"); eq(math.ceil(3.2), 4, "ceil"); eq(math.floor(-3.5), -4, "floor neg")
  eq(math.type(math.floor(3.7)), "integer", "floor gives integer")
  eq(math.abs(-5), 5, "abs"); eq(math.abs(math.mininteger), math.mininteger, "abs minint")
  eq(math.max(1, 5, 3), 5, "max"); eq(math.min(4, 2, 8), 2, "min")
  eq(math.fmod(7, 3), 1, "fmod"); eq(math.fmod(-7, 3), -1, "fmod neg")
  local i, f = math.modf(3.75); eq(i, 3.0, "modf int"); eq(f, 0.75, "modf frac")
  eq(math.ult(1, -1), true, "ult")
  eq(2^10, 1024.0, "pow"); eq(math.type(2^2), "float", "pow float")
  near(10 ^ -2, 0.01, 1e-18, "neg pow")
end)

check("math.random", function()
  math.randomseed(1234, 5678)
  local a = {}
  for i = 1, 10 do a[i] = math.random(1, 100) end
  math.randomseed(1234, 5678)
  for i = 1, 10 do eq(math.random(1, 100), a[i], "deterministic " .. i) end
  for _ = 1, 10000 do
    local r = math.random()
    assert(r >= 0 and r < 1, "random range")
    local n = math.random(-5, 5)
    assert(n >= -5 and n <= 5 and math.type(n) == "integer", "random int range")
  end
  eq(math.type(math.random(0)), "integer", "random(0)")
  H.raises(function() math.random(5, 1) end, "interval is empty", "empty interval")
end)

check("math.conversions", function()
  eq(tostring(0.1), "0.1", "tostring 0.1"); eq(tostring(-0.0), "-0.0", "neg zero")
  eq(tostring(1e100), "1e+100", "1e100"); eq(tostring(123456789012), "123456789012", "big int")
  eq(string.format("%.14g", 2^0.5), "1.4142135623731", "%.14g")
  eq(tonumber("0x1p4"), 16.0, "hex float"); eq(tonumber("0x7fffffffffffffff"), math.maxinteger, "hex max")
  eq(tonumber("0xffffffffffffffff"), -1, "hex wrap"); eq(tonumber("9223372036854775808"), 9.2233720368547758e18, "overflow to float")
  eq(tonumber("1e500"), math.huge, "huge"); eq(tonumber(".5"), 0.5, ".5"); eq(tonumber("5."), 5.0, "5.")
  eq(tonumber(""), nil, "empty"); eq(tonumber("0x"), nil, "0x")
  eq(3 == tonumber("3"), true, "eq")
  eq(string.format("%d", 3.0), "3", "%d with integral float")
  H.raises(function() return string.format("%d", 3.5) end, "number has no integer representation", "%d frac")
end)

check("math.numeric-loops", function()
  local s = 0
  for i = 1, 1000000 do s = s + i end
  eq(s, 500000500000, "int loop")
  local f = 0.0
  for x = 0, 1, 0.125 do f = f + x end
  eq(f, 4.5, "float loop")
  local n = 0
  for i = math.maxinteger - 2, math.maxinteger do n = n + 1 end
  eq(n, 3, "loop near maxinteger (no overflow)")
  n = 0
  for i = 10, 1, -3 do n = n + i end
  eq(n, 10 + 7 + 4 + 1, "negative step")
  H.raises(function() for i = 1, 10, 0 do end end, "'for' step is zero", "zero step")
  -- Fibonacci and a simple sieve as compute kernels
  local function fib(k) if k < 2 then return k end return fib(k - 1) + fib(k - 2) end
  eq(fib(25), 75025, "fib")
  local sieve, count = {}, 0
  for i = 2, 100000 do
    if not sieve[i] then count = count + 1; for j = i * i, 100000, i do sieve[j] = true end end
  end
  eq(count, 9592, "primes below 100000")
end)

H.done()

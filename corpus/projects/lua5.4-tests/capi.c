/* C API test for the rivet corpus: linked against the freshly built shared
 * liblua5.4.so (as C) or liblua5.4-c++.so (the same file compiled as C++,
 * where Lua errors are C++ exceptions). Each check prints PASS/FAIL NAME;
 * the summary line is "capi: N passed, M failed".
 *
 * usage: capi MODULE_DIR   (MODULE_DIR holds cmod.so for the require test)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __cplusplus
#include "lua.hpp"
#include <stdexcept>
#include <string>
#else
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#endif

static int passed, failed;
static void report(const char *name, int ok, const char *why) {
  if (ok) { passed++; printf("PASS %s\n", name); }
  else { failed++; printf("FAIL %s: %s\n", name, why ? why : "check failed"); }
  fflush(stdout);
}
#define CHECK(name, cond) report(name, (cond), #cond)

/* --- allocator that counts live bytes --- */
static size_t live_bytes, total_allocs;
static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  if (ptr) live_bytes -= osize;
  if (nsize == 0) { free(ptr); return NULL; }
  void *p = realloc(ptr, nsize);
  if (p) { live_bytes += nsize; total_allocs++; }
  else if (ptr) live_bytes += osize;
  return p;
}

/* run a chunk; returns 1 when it ran and returned true */
static int run(lua_State *L, const char *code) {
  if (luaL_loadstring(L, code) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
    printf("  lua error: %s\n", lua_tostring(L, -1));
    lua_pop(L, 1);
    return 0;
  }
  int ok = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return ok;
}

/* --- C functions called from Lua --- */
static int c_add(lua_State *L) {
  lua_Integer a = luaL_checkinteger(L, 1), b = luaL_checkinteger(L, 2);
  lua_pushinteger(L, a + b);
  return 1;
}
static int c_sum(lua_State *L) { /* variadic: sum of all numbers */
  int n = lua_gettop(L);
  lua_Number s = 0;
  for (int i = 1; i <= n; i++) s += luaL_checknumber(L, i);
  lua_pushnumber(L, s);
  lua_pushinteger(L, n);
  return 2;
}
static int c_fail(lua_State *L) {
  return luaL_error(L, "c_fail: %s %d", luaL_optstring(L, 1, "default"), 42);
}
static int c_upcount(lua_State *L) { /* closure with an upvalue counter */
  lua_Integer n = lua_tointeger(L, lua_upvalueindex(1)) + 1;
  lua_pushinteger(L, n);
  lua_copy(L, -1, lua_upvalueindex(1));
  return 1;
}

/* --- a userdata type --- */
typedef struct { lua_Integer value; int closed; } Counter;
static int gc_count;
static int counter_new(lua_State *L) {
  lua_Integer v = luaL_optinteger(L, 1, 0); /* before pushing the userdata */
  Counter *c = (Counter *)lua_newuserdatauv(L, sizeof(Counter), 1);
  c->value = v;
  c->closed = 0;
  luaL_setmetatable(L, "Counter");
  lua_newtable(L);                /* user value: a log table */
  lua_setiuservalue(L, -2, 1);
  return 1;
}
static int counter_inc(lua_State *L) {
  Counter *c = (Counter *)luaL_checkudata(L, 1, "Counter");
  c->value += luaL_optinteger(L, 2, 1);
  lua_getiuservalue(L, 1, 1);
  lua_pushinteger(L, c->value);
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
  lua_pop(L, 1);
  lua_settop(L, 1);
  return 1; /* chainable */
}
static int counter_get(lua_State *L) {
  lua_pushinteger(L, ((Counter *)luaL_checkudata(L, 1, "Counter"))->value);
  return 1;
}
static int counter_log(lua_State *L) {
  luaL_checkudata(L, 1, "Counter");
  lua_getiuservalue(L, 1, 1);
  return 1;
}
static int counter_tostring(lua_State *L) {
  lua_pushfstring(L, "Counter(%I)", ((Counter *)luaL_checkudata(L, 1, "Counter"))->value);
  return 1;
}
static int counter_gc(lua_State *L) { (void)L; gc_count++; return 0; }
static int counter_close(lua_State *L) {
  ((Counter *)luaL_checkudata(L, 1, "Counter"))->closed = 1;
  return 0;
}
static const luaL_Reg counter_methods[] = {
  {"inc", counter_inc}, {"get", counter_get}, {"log", counter_log},
  {"__tostring", counter_tostring}, {"__gc", counter_gc}, {"__close", counter_close},
  {NULL, NULL}
};

/* --- yields and continuations from C --- */
static int gen_k(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  lua_Integer i = (lua_Integer)ctx;
  lua_Integer limit = luaL_checkinteger(L, 1);
  if (i > limit) { lua_pushstring(L, "finished"); return 1; }
  lua_pushinteger(L, i * i);
  return lua_yieldk(L, 1, (lua_KContext)(i + 1), gen_k);
}
static int c_squares(lua_State *L) { return gen_k(L, LUA_OK, 1); }

static int pcallk_k(lua_State *L, int status, lua_KContext ctx) {
  (void)ctx;
  lua_pushboolean(L, status == LUA_OK || status == LUA_YIELD);
  lua_insert(L, -2);
  return 2; /* ok-flag, result */
}
static int c_pcall_yielding(lua_State *L) { /* calls arg 1 under lua_pcallk */
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_pushvalue(L, 1);
  int st = lua_pcallk(L, 0, 1, 0, 0, pcallk_k);
  return pcallk_k(L, st, 0);
}

/* --- dump/load through writer and reader --- */
typedef struct { char *buf; size_t len, cap; } Buf;
static int writer(lua_State *L, const void *p, size_t sz, void *ud) {
  (void)L;
  Buf *b = (Buf *)ud;
  if (b->len + sz > b->cap) {
    b->cap = (b->len + sz) * 2;
    b->buf = (char *)realloc(b->buf, b->cap);
  }
  memcpy(b->buf + b->len, p, sz);
  b->len += sz;
  return 0;
}
typedef struct { const char *p; size_t left; } Rd;
static const char *reader(lua_State *L, void *ud, size_t *sz) {
  (void)L;
  Rd *r = (Rd *)ud;
  if (r->left == 0) { *sz = 0; return NULL; }
  *sz = r->left > 7 ? 7 : r->left; /* small pieces */
  const char *p = r->p;
  r->p += *sz; r->left -= *sz;
  return p;
}

static char warnings[256];
static void warnf(void *ud, const char *msg, int tocont) {
  (void)ud; (void)tocont;
  strncat(warnings, msg, sizeof warnings - strlen(warnings) - 1);
}

#ifdef __cplusplus
static int dtor_ran;
struct Guard { ~Guard() { dtor_ran++; } };
static int cxx_raii(lua_State *L) { /* a Lua error unwinds C++ frames */
  Guard g;
  luaL_error(L, "raii error");
  return 0;
}
static int cxx_throw_std(lua_State *L) { /* a C++ exception caught in C++ */
  try {
    throw std::runtime_error("std exception");
  } catch (const std::exception &e) {
    lua_pushstring(L, e.what());
  }
  return 1;
}
#endif

int main(int argc, char **argv) {
  const char *moddir = argc > 1 ? argv[1] : ".";
  lua_State *L = lua_newstate(counting_alloc, NULL);
  CHECK("newstate", L != NULL);
  if (!L) return 1;
  luaL_openlibs(L);
  lua_setwarnf(L, warnf, NULL);

  /* version and basic stack operations */
  CHECK("version", lua_version(L) == 504);
  lua_pushinteger(L, 10); lua_pushnumber(L, 2.5); lua_pushstring(L, "str"); lua_pushnil(L);
  CHECK("stack.gettop", lua_gettop(L) == 4);
  CHECK("stack.types", lua_type(L, 1) == LUA_TNUMBER && lua_isinteger(L, 1) && !lua_isinteger(L, 2) &&
                           lua_type(L, 3) == LUA_TSTRING && lua_isnil(L, 4));
  lua_rotate(L, 1, 1);
  CHECK("stack.rotate", lua_isnil(L, 1) && lua_tointeger(L, 2) == 10);
  lua_settop(L, 0);
  CHECK("stack.checkstack", lua_checkstack(L, 5000));
  for (int i = 0; i < 5000; i++) lua_pushinteger(L, i);
  CHECK("stack.deep", lua_tointeger(L, -1) == 4999 && lua_gettop(L) == 5000);
  lua_settop(L, 0);
  CHECK("stringtonumber", lua_stringtonumber(L, "0x10") == 5 && lua_tointeger(L, -1) == 16);
  lua_pop(L, 1);
  lua_pushinteger(L, 7); lua_pushinteger(L, 5);
  lua_arith(L, LUA_OPMOD);
  CHECK("arith", lua_tointeger(L, -1) == 2);
  lua_pushinteger(L, 2);
  CHECK("compare", lua_compare(L, -1, -2, LUA_OPEQ) && !lua_compare(L, -1, -2, LUA_OPLT));
  lua_settop(L, 0);

  /* C functions */
  lua_register(L, "c_add", c_add);
  lua_register(L, "c_sum", c_sum);
  lua_register(L, "c_fail", c_fail);
  lua_pushinteger(L, 0);
  lua_pushcclosure(L, c_upcount, 1);
  lua_setglobal(L, "c_upcount");
  CHECK("cfunc.call", run(L, "return c_add(40, 2) == 42"));
  CHECK("cfunc.varargs", run(L, "local s, n = c_sum(1, 2.5, 3, 4) return s == 10.5 and n == 4"));
  CHECK("cfunc.argerror", run(L, "local ok, e = pcall(c_add, 1, 'x') return not ok and e:find('bad argument #2') ~= nil"));
  CHECK("cfunc.luaL_error", run(L, "local ok, e = pcall(c_fail, 'hi') return not ok and e == 'c_fail: hi 42'"));
  CHECK("cfunc.closure", run(L, "c_upcount() c_upcount() return c_upcount() == 3"));

  /* calling Lua from C */
  run(L, "function lua_mul(a, b) return a * b, 'second' end");
  lua_getglobal(L, "lua_mul");
  lua_pushinteger(L, 6); lua_pushinteger(L, 7);
  int st = lua_pcall(L, 2, 2, 0);
  CHECK("call.pcall", st == LUA_OK && lua_tointeger(L, -2) == 42 && strcmp(lua_tostring(L, -1), "second") == 0);
  lua_settop(L, 0);
  luaL_loadstring(L, "error({code = 99})");
  st = lua_pcall(L, 0, 0, 0);
  lua_getfield(L, -1, "code");
  CHECK("call.error-object", st == LUA_ERRRUN && lua_tointeger(L, -1) == 99);
  lua_settop(L, 0);
  lua_pushcfunction(L, c_fail);
  st = lua_pcall(L, 0, 0, 0);
  CHECK("call.c-error-caught-in-c", st == LUA_ERRRUN && strcmp(lua_tostring(L, -1), "c_fail: default 42") == 0);
  lua_settop(L, 0);
  st = luaL_loadstring(L, "x = = 1");
  CHECK("call.syntax-error", st == LUA_ERRSYNTAX);
  lua_settop(L, 0);
  luaL_loadstring(L, "local function f() return f() + 1 end return f()");
  st = lua_pcall(L, 0, 0, 0);
  CHECK("call.stack-overflow", st == LUA_ERRRUN && strstr(lua_tostring(L, -1), "stack overflow") != NULL);
  lua_settop(L, 0);
  luaL_loadstring(L, "error('with handler')");
  lua_pushcfunction(L, c_add); /* not used as handler: just pcall with a traceback handler below */
  lua_pop(L, 1);
  lua_getglobal(L, "debug"); lua_getfield(L, -1, "traceback"); lua_remove(L, -2);
  lua_insert(L, 1);
  st = lua_pcall(L, 0, 0, 1);
  CHECK("call.msgh-traceback", st == LUA_ERRRUN && strstr(lua_tostring(L, -1), "stack traceback") != NULL);
  lua_settop(L, 0);

  /* tables */
  lua_createtable(L, 10, 2);
  for (int i = 1; i <= 10; i++) { lua_pushinteger(L, i * 10); lua_rawseti(L, -2, i); }
  lua_pushstring(L, "v"); lua_setfield(L, -2, "k");
  lua_pushboolean(L, 1); lua_rawsetp(L, -2, (void *)&passed);
  CHECK("table.rawlen", lua_rawlen(L, -1) == 10);
  CHECK("table.geti", lua_geti(L, -1, 5) == LUA_TNUMBER && lua_tointeger(L, -1) == 50);
  lua_pop(L, 1);
  CHECK("table.getfield", lua_getfield(L, -1, "k") == LUA_TSTRING);
  lua_pop(L, 1);
  CHECK("table.rawgetp", lua_rawgetp(L, -1, (void *)&passed) == LUA_TBOOLEAN);
  lua_pop(L, 1);
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) { n++; lua_pop(L, 1); }
  CHECK("table.next", n == 12);
  lua_setglobal(L, "from_c");
  CHECK("table.visible-in-lua", run(L, "return #from_c == 10 and from_c.k == 'v'"));

  /* registry references */
  lua_pushstring(L, "in registry");
  int ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  CHECK("registry.ref", strcmp(lua_tostring(L, -1), "in registry") == 0);
  lua_pop(L, 1);
  luaL_unref(L, LUA_REGISTRYINDEX, ref);
  lua_pushnil(L);
  CHECK("registry.refnil", luaL_ref(L, LUA_REGISTRYINDEX) == LUA_REFNIL);

  /* userdata with metatable and user values */
  luaL_newmetatable(L, "Counter");
  lua_pushvalue(L, -1); lua_setfield(L, -2, "__index");
  luaL_setfuncs(L, counter_methods, 0);
  lua_pop(L, 1);
  lua_register(L, "Counter", counter_new);
  CHECK("udata.methods", run(L, "local c = Counter(5) c:inc():inc(10) return c:get() == 16"));
  CHECK("udata.tostring", run(L, "return tostring(Counter(3)) == 'Counter(3)'"));
  CHECK("udata.uservalue", run(L, "local c = Counter() c:inc() c:inc(2) local l = c:log() return #l == 2 and l[2] == 3"));
  CHECK("udata.checkudata", run(L, "local ok, e = pcall(Counter().get, {}) return not ok and e:find('Counter expected') ~= nil"));
  CHECK("udata.close", run(L, "local c0 do local c <close> = Counter() c0 = c end return c0 ~= nil"));
  gc_count = 0;
  run(L, "for i = 1, 100 do Counter(i) end collectgarbage() collectgarbage() return true");
  CHECK("udata.gc", gc_count >= 100);

  /* luaL_Buffer */
  {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; i < 10000; i++) luaL_addstring(&b, "abc");
    luaL_addchar(&b, '!');
    luaL_pushresult(&b);
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    CHECK("buffer", len == 30001 && s[30000] == '!');
    lua_pop(L, 1);
    lua_pushfstring(L, "%s-%d-%f-%p-%%", "x", 7, 1.5, (void *)0);
    CHECK("pushfstring", strncmp(lua_tostring(L, -1), "x-7-1.5", 7) == 0);
    lua_pop(L, 1);
    luaL_gsub(L, "a.b.c", ".", "::");
    CHECK("luaL_gsub", strcmp(lua_tostring(L, -1), "a::b::c") == 0);
    lua_pop(L, 1);
  }

  /* coroutines driven from C, C yields with continuations */
  lua_register(L, "c_squares", c_squares);
  lua_register(L, "c_pcall_yielding", c_pcall_yielding);
  CHECK("yield.c-continuation",
        run(L, "local co = coroutine.wrap(c_squares) local s = 0 for i = 1, 4 do s = s + co(4) end "
               "return s == 1 + 4 + 9 + 16 and co(4) == 'finished'"));
  CHECK("yield.across-pcallk",
        run(L, "local co = coroutine.wrap(function() return c_pcall_yielding(function() "
               "local v = coroutine.yield('y') if v == 'boom' then error('e') end return v end) end) "
               "return co() == 'y' and (function(ok, v) return ok == true and v == 'fine' end)(co('fine'))"));
  {
    lua_State *co = lua_newthread(L);
    luaL_loadstring(co, "local a = ... for i = 1, 3 do a = a + coroutine.yield(a) end return 'done', a");
    lua_pushinteger(co, 1);
    int nres, rst = lua_resume(co, L, 1, &nres);
    lua_Integer seen = 0;
    while (rst == LUA_YIELD) {
      seen += lua_tointeger(co, -1);
      lua_pop(co, nres);
      lua_pushinteger(co, 10);
      rst = lua_resume(co, L, 1, &nres);
    }
    CHECK("thread.resume-from-c", rst == LUA_OK && nres == 2 && lua_tointeger(co, -1) == 31 && seen == 1 + 11 + 21);
    CHECK("thread.status", lua_status(co) == LUA_OK);
    CHECK("thread.closethread", lua_resetthread(co) == LUA_OK);
    lua_pop(L, 1);
  }

  /* dump and load through writer/reader */
  {
    luaL_loadstring(L, "local t = {} for i = 1, 10 do t[i] = i * i end return t[10] + select('#', ...)");
    Buf b = {NULL, 0, 0};
    int dst = lua_dump(L, writer, &b, 0);
    lua_pop(L, 1);
    Rd r = {b.buf, b.len};
    int lst = lua_load(L, reader, &r, "=dumped", "b");
    int cst = lst == LUA_OK ? lua_pcall(L, 0, 1, 0) : -1;
    CHECK("dump-load", dst == 0 && lst == LUA_OK && cst == LUA_OK && lua_tointeger(L, -1) == 100);
    lua_pop(L, 1);
    free(b.buf);
  }

  /* warnings, gc control, debug interface */
  run(L, "warn('@on') warn('hello ', 'warning') return true");
  CHECK("warnings", strstr(warnings, "hello warning") != NULL);
  {
    int kb = lua_gc(L, LUA_GCCOUNT, 0);
    lua_gc(L, LUA_GCCOLLECT);
    CHECK("gc.count", kb > 0 && lua_gc(L, LUA_GCCOUNT) <= kb);
    CHECK("gc.gen-mode", lua_gc(L, LUA_GCGEN, 0, 0) == LUA_GCINC && lua_gc(L, LUA_GCINC, 0, 0, 0) == LUA_GCGEN);
    lua_Debug ar;
    luaL_loadstring(L, "local x = 1 return x");
    lua_getinfo(L, ">S", &ar);
    CHECK("debug.getinfo", strcmp(ar.what, "main") == 0);
  }

  /* a C module loaded by require (its lua_* references bind to this library) */
  {
    char code[1024];
    snprintf(code, sizeof code,
             "package.cpath = '%s/?.so;' .. package.cpath "
             "local m = require 'cmod' "
             "return m.hypot(3, 4) == 5 and m.name == 'cmod' and m.reverse('abc') == 'cba' "
             "and select(2, pcall(m.fail)):find('cmod failure') ~= nil and m.counter() == 1 and m.counter() == 2",
             moddir);
    CHECK("require.c-module", run(L, code));
  }

#ifdef __cplusplus
  /* C++ build: Lua errors are exceptions, destructors run while unwinding */
  lua_register(L, "cxx_raii", cxx_raii);
  lua_register(L, "cxx_throw_std", cxx_throw_std);
  dtor_ran = 0;
  CHECK("cxx.raii-unwind", run(L, "local ok, e = pcall(cxx_raii) return not ok and e == 'raii error'") && dtor_ran == 1);
  CHECK("cxx.std-exception", run(L, "return cxx_throw_std() == 'std exception'"));
#endif

  size_t before_close = live_bytes;
  gc_count = 0;
  run(L, "keep = Counter(1) return true");
  lua_close(L);
  CHECK("close.gc-on-close", gc_count >= 1);
  CHECK("close.all-memory-freed", live_bytes == 0 && before_close > 0 && total_allocs > 0);

  printf("capi: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

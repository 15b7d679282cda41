/* A Lua C module (cmod.so), built with -shared and not linked against
 * liblua: its lua_* references are bound at load time to the interpreter's
 * exported symbols (lua5.4 is linked with -Wl,-E) or to liblua5.4.so. */
#include <math.h>
#include <string.h>
#include "lua.h"
#include "lauxlib.h"

static int calls; /* module-private data (tests the module's own .data/.bss) */
static const char *const greeting = "hello from cmod";

static int m_hypot(lua_State *L) {
  lua_pushnumber(L, sqrt(luaL_checknumber(L, 1) * luaL_checknumber(L, 1) +
                         luaL_checknumber(L, 2) * luaL_checknumber(L, 2)));
  return 1;
}
static int m_reverse(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  luaL_Buffer b;
  char *p = luaL_buffinitsize(L, &b, n);
  for (size_t i = 0; i < n; i++) p[i] = s[n - 1 - i];
  luaL_pushresultsize(&b, n);
  return 1;
}
static int m_fail(lua_State *L) { return luaL_error(L, "cmod failure %d", 7); }
static int m_counter(lua_State *L) { lua_pushinteger(L, ++calls); return 1; }
static int m_greeting(lua_State *L) { lua_pushstring(L, greeting); return 1; }
static int m_map(lua_State *L) { /* map(t, f): calls back into Lua */
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_Integer n = luaL_len(L, 1);
  lua_createtable(L, (int)n, 0);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_pushvalue(L, 2);
    lua_geti(L, 1, i);
    lua_call(L, 1, 1);
    lua_seti(L, -2, i);
  }
  return 1;
}

static const luaL_Reg funcs[] = {
  {"hypot", m_hypot}, {"reverse", m_reverse}, {"fail", m_fail},
  {"counter", m_counter}, {"greeting", m_greeting}, {"map", m_map},
  {NULL, NULL}
};

int luaopen_cmod(lua_State *L) {
  luaL_newlib(L, funcs);
  lua_pushstring(L, "cmod");
  lua_setfield(L, -2, "name");
  return 1;
}

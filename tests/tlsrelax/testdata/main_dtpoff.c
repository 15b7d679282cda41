int dtp_ld(void);
int main(void) { return dtp_ld() == 2 ? 0 : 1; }

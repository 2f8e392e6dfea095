--
-- PostgreSQL database dump
--

\restrict aBc1

SET x = 0;
COPY t (a) FROM stdin;
1
\.
\unrestrict aBc1

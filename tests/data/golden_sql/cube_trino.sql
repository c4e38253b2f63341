SELECT
  NULLIF(TRIM(' 	
' FROM "t0"."channel"), '') AS "g0",
  NULLIF(TRIM(' 	
' FROM "t0"."region"), '') AS "g1",
  COUNT(*) AS "nrows",
  COUNT(CAST("t0"."nps" AS DOUBLE)) AS "c0",
  COUNT(CAST("t0"."nps" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."nps" AS DOUBLE) = 0) AS "h0_0",
  COUNT(CAST("t0"."nps" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."nps" AS DOUBLE) = 1) AS "h0_1",
  COUNT(CAST("t0"."nps" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."nps" AS DOUBLE) = 2) AS "h0_2",
  COUNT(CAST("t0"."nps" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."nps" AS DOUBLE) = 3) AS "h0_3",
  COUNT(CAST("t0"."nps" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."nps" AS DOUBLE) = 4) AS "h0_4",
  COUNT(CAST("t0"."nps" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."nps" AS DOUBLE) = 5) AS "h0_5",
  COUNT(CAST("t0"."nps" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."nps" AS DOUBLE) = 6) AS "h0_6",
  COUNT(CAST("t0"."nps" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."nps" AS DOUBLE) = 7) AS "h0_7",
  COUNT(CAST("t0"."nps" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."nps" AS DOUBLE) = 8) AS "h0_8",
  COUNT(CAST("t0"."nps" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."nps" AS DOUBLE) = 9) AS "h0_9",
  COUNT(CAST("t0"."nps" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."nps" AS DOUBLE) = 10) AS "h0_10",
  COUNT(CAST("t0"."nps" AS DOUBLE)) FILTER(WHERE
    (
      CAST("t0"."nps" AS DOUBLE) < 0
    ) OR (
      CAST("t0"."nps" AS DOUBLE) > 10
    )) AS "bad0_off",
  COUNT(CAST("t0"."csat" AS DOUBLE)) AS "c1",
  COUNT(CAST("t0"."csat" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."csat" AS DOUBLE) = 1) AS "h1_0",
  COUNT(CAST("t0"."csat" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."csat" AS DOUBLE) = 2) AS "h1_1",
  COUNT(CAST("t0"."csat" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."csat" AS DOUBLE) = 3) AS "h1_2",
  COUNT(CAST("t0"."csat" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."csat" AS DOUBLE) = 4) AS "h1_3",
  COUNT(CAST("t0"."csat" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."csat" AS DOUBLE) = 5) AS "h1_4",
  COUNT(CAST("t0"."csat" AS DOUBLE)) FILTER(WHERE
    (
      CAST("t0"."csat" AS DOUBLE) < 1
    ) OR (
      CAST("t0"."csat" AS DOUBLE) > 5
    )) AS "bad1_off",
  COUNT(CAST("t0"."ces" AS DOUBLE)) AS "c2",
  COUNT(CAST("t0"."ces" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."ces" AS DOUBLE) = 1) AS "h2_0",
  COUNT(CAST("t0"."ces" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."ces" AS DOUBLE) = 2) AS "h2_1",
  COUNT(CAST("t0"."ces" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."ces" AS DOUBLE) = 3) AS "h2_2",
  COUNT(CAST("t0"."ces" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."ces" AS DOUBLE) = 4) AS "h2_3",
  COUNT(CAST("t0"."ces" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."ces" AS DOUBLE) = 5) AS "h2_4",
  COUNT(CAST("t0"."ces" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."ces" AS DOUBLE) = 6) AS "h2_5",
  COUNT(CAST("t0"."ces" AS DOUBLE)) FILTER(WHERE
    CAST("t0"."ces" AS DOUBLE) = 7) AS "h2_6",
  COUNT(CAST("t0"."ces" AS DOUBLE)) FILTER(WHERE
    (
      CAST("t0"."ces" AS DOUBLE) < 1
    ) OR (
      CAST("t0"."ces" AS DOUBLE) > 7
    )) AS "bad2_off",
  COUNT("t0"."first_response_min") AS "c3",
  AVG("t0"."first_response_min") AS "mean3",
  VAR_POP("t0"."first_response_min") AS "var3"
FROM "responses" AS "t0"
GROUP BY
  1,
  2

SELECT
  NULLIF(TRIM("t0"."channel", ' \t\n\r\v\f'), '') AS "g0",
  NULLIF(TRIM("t0"."region", ' \t\n\r\v\f'), '') AS "g1",
  COUNT(*) AS "nrows",
  COUNT(CAST("t0"."nps" AS DOUBLE)) AS "c0",
  COUNT(IFF(CAST("t0"."nps" AS DOUBLE) = 0, CAST("t0"."nps" AS DOUBLE), NULL)) AS "h0_0",
  COUNT(IFF(CAST("t0"."nps" AS DOUBLE) = 1, CAST("t0"."nps" AS DOUBLE), NULL)) AS "h0_1",
  COUNT(IFF(CAST("t0"."nps" AS DOUBLE) = 2, CAST("t0"."nps" AS DOUBLE), NULL)) AS "h0_2",
  COUNT(IFF(CAST("t0"."nps" AS DOUBLE) = 3, CAST("t0"."nps" AS DOUBLE), NULL)) AS "h0_3",
  COUNT(IFF(CAST("t0"."nps" AS DOUBLE) = 4, CAST("t0"."nps" AS DOUBLE), NULL)) AS "h0_4",
  COUNT(IFF(CAST("t0"."nps" AS DOUBLE) = 5, CAST("t0"."nps" AS DOUBLE), NULL)) AS "h0_5",
  COUNT(IFF(CAST("t0"."nps" AS DOUBLE) = 6, CAST("t0"."nps" AS DOUBLE), NULL)) AS "h0_6",
  COUNT(IFF(CAST("t0"."nps" AS DOUBLE) = 7, CAST("t0"."nps" AS DOUBLE), NULL)) AS "h0_7",
  COUNT(IFF(CAST("t0"."nps" AS DOUBLE) = 8, CAST("t0"."nps" AS DOUBLE), NULL)) AS "h0_8",
  COUNT(IFF(CAST("t0"."nps" AS DOUBLE) = 9, CAST("t0"."nps" AS DOUBLE), NULL)) AS "h0_9",
  COUNT(IFF(CAST("t0"."nps" AS DOUBLE) = 10, CAST("t0"."nps" AS DOUBLE), NULL)) AS "h0_10",
  COUNT(
    IFF(
      (
        CAST("t0"."nps" AS DOUBLE) < 0
      ) OR (
        CAST("t0"."nps" AS DOUBLE) > 10
      ),
      CAST("t0"."nps" AS DOUBLE),
      NULL
    )
  ) AS "bad0_off",
  COUNT(CAST("t0"."csat" AS DOUBLE)) AS "c1",
  COUNT(IFF(CAST("t0"."csat" AS DOUBLE) = 1, CAST("t0"."csat" AS DOUBLE), NULL)) AS "h1_0",
  COUNT(IFF(CAST("t0"."csat" AS DOUBLE) = 2, CAST("t0"."csat" AS DOUBLE), NULL)) AS "h1_1",
  COUNT(IFF(CAST("t0"."csat" AS DOUBLE) = 3, CAST("t0"."csat" AS DOUBLE), NULL)) AS "h1_2",
  COUNT(IFF(CAST("t0"."csat" AS DOUBLE) = 4, CAST("t0"."csat" AS DOUBLE), NULL)) AS "h1_3",
  COUNT(IFF(CAST("t0"."csat" AS DOUBLE) = 5, CAST("t0"."csat" AS DOUBLE), NULL)) AS "h1_4",
  COUNT(
    IFF(
      (
        CAST("t0"."csat" AS DOUBLE) < 1
      ) OR (
        CAST("t0"."csat" AS DOUBLE) > 5
      ),
      CAST("t0"."csat" AS DOUBLE),
      NULL
    )
  ) AS "bad1_off",
  COUNT(CAST("t0"."ces" AS DOUBLE)) AS "c2",
  COUNT(IFF(CAST("t0"."ces" AS DOUBLE) = 1, CAST("t0"."ces" AS DOUBLE), NULL)) AS "h2_0",
  COUNT(IFF(CAST("t0"."ces" AS DOUBLE) = 2, CAST("t0"."ces" AS DOUBLE), NULL)) AS "h2_1",
  COUNT(IFF(CAST("t0"."ces" AS DOUBLE) = 3, CAST("t0"."ces" AS DOUBLE), NULL)) AS "h2_2",
  COUNT(IFF(CAST("t0"."ces" AS DOUBLE) = 4, CAST("t0"."ces" AS DOUBLE), NULL)) AS "h2_3",
  COUNT(IFF(CAST("t0"."ces" AS DOUBLE) = 5, CAST("t0"."ces" AS DOUBLE), NULL)) AS "h2_4",
  COUNT(IFF(CAST("t0"."ces" AS DOUBLE) = 6, CAST("t0"."ces" AS DOUBLE), NULL)) AS "h2_5",
  COUNT(IFF(CAST("t0"."ces" AS DOUBLE) = 7, CAST("t0"."ces" AS DOUBLE), NULL)) AS "h2_6",
  COUNT(
    IFF(
      (
        CAST("t0"."ces" AS DOUBLE) < 1
      ) OR (
        CAST("t0"."ces" AS DOUBLE) > 7
      ),
      CAST("t0"."ces" AS DOUBLE),
      NULL
    )
  ) AS "bad2_off",
  COUNT("t0"."first_response_min") AS "c3",
  AVG("t0"."first_response_min") AS "mean3",
  VARIANCE_POP("t0"."first_response_min") AS "var3"
FROM "responses" AS "t0"
GROUP BY
  1,
  2

SELECT
  NULLIF(TRIM(`t0`.`channel`, ' \t\n\r\v\f'), '') AS `g0`,
  NULLIF(TRIM(`t0`.`region`, ' \t\n\r\v\f'), '') AS `g1`,
  COUNT(*) AS `nrows`,
  COUNT(CAST(`t0`.`nps` AS FLOAT64)) AS `c0`,
  COUNT(IF(CAST(`t0`.`nps` AS FLOAT64) = 0, CAST(`t0`.`nps` AS FLOAT64), NULL)) AS `h0_0`,
  COUNT(IF(CAST(`t0`.`nps` AS FLOAT64) = 1, CAST(`t0`.`nps` AS FLOAT64), NULL)) AS `h0_1`,
  COUNT(IF(CAST(`t0`.`nps` AS FLOAT64) = 2, CAST(`t0`.`nps` AS FLOAT64), NULL)) AS `h0_2`,
  COUNT(IF(CAST(`t0`.`nps` AS FLOAT64) = 3, CAST(`t0`.`nps` AS FLOAT64), NULL)) AS `h0_3`,
  COUNT(IF(CAST(`t0`.`nps` AS FLOAT64) = 4, CAST(`t0`.`nps` AS FLOAT64), NULL)) AS `h0_4`,
  COUNT(IF(CAST(`t0`.`nps` AS FLOAT64) = 5, CAST(`t0`.`nps` AS FLOAT64), NULL)) AS `h0_5`,
  COUNT(IF(CAST(`t0`.`nps` AS FLOAT64) = 6, CAST(`t0`.`nps` AS FLOAT64), NULL)) AS `h0_6`,
  COUNT(IF(CAST(`t0`.`nps` AS FLOAT64) = 7, CAST(`t0`.`nps` AS FLOAT64), NULL)) AS `h0_7`,
  COUNT(IF(CAST(`t0`.`nps` AS FLOAT64) = 8, CAST(`t0`.`nps` AS FLOAT64), NULL)) AS `h0_8`,
  COUNT(IF(CAST(`t0`.`nps` AS FLOAT64) = 9, CAST(`t0`.`nps` AS FLOAT64), NULL)) AS `h0_9`,
  COUNT(IF(CAST(`t0`.`nps` AS FLOAT64) = 10, CAST(`t0`.`nps` AS FLOAT64), NULL)) AS `h0_10`,
  COUNT(
    IF(
      (
        CAST(`t0`.`nps` AS FLOAT64) < 0
      ) OR (
        CAST(`t0`.`nps` AS FLOAT64) > 10
      ),
      CAST(`t0`.`nps` AS FLOAT64),
      NULL
    )
  ) AS `bad0_off`,
  COUNT(CAST(`t0`.`csat` AS FLOAT64)) AS `c1`,
  COUNT(IF(CAST(`t0`.`csat` AS FLOAT64) = 1, CAST(`t0`.`csat` AS FLOAT64), NULL)) AS `h1_0`,
  COUNT(IF(CAST(`t0`.`csat` AS FLOAT64) = 2, CAST(`t0`.`csat` AS FLOAT64), NULL)) AS `h1_1`,
  COUNT(IF(CAST(`t0`.`csat` AS FLOAT64) = 3, CAST(`t0`.`csat` AS FLOAT64), NULL)) AS `h1_2`,
  COUNT(IF(CAST(`t0`.`csat` AS FLOAT64) = 4, CAST(`t0`.`csat` AS FLOAT64), NULL)) AS `h1_3`,
  COUNT(IF(CAST(`t0`.`csat` AS FLOAT64) = 5, CAST(`t0`.`csat` AS FLOAT64), NULL)) AS `h1_4`,
  COUNT(
    IF(
      (
        CAST(`t0`.`csat` AS FLOAT64) < 1
      ) OR (
        CAST(`t0`.`csat` AS FLOAT64) > 5
      ),
      CAST(`t0`.`csat` AS FLOAT64),
      NULL
    )
  ) AS `bad1_off`,
  COUNT(CAST(`t0`.`ces` AS FLOAT64)) AS `c2`,
  COUNT(IF(CAST(`t0`.`ces` AS FLOAT64) = 1, CAST(`t0`.`ces` AS FLOAT64), NULL)) AS `h2_0`,
  COUNT(IF(CAST(`t0`.`ces` AS FLOAT64) = 2, CAST(`t0`.`ces` AS FLOAT64), NULL)) AS `h2_1`,
  COUNT(IF(CAST(`t0`.`ces` AS FLOAT64) = 3, CAST(`t0`.`ces` AS FLOAT64), NULL)) AS `h2_2`,
  COUNT(IF(CAST(`t0`.`ces` AS FLOAT64) = 4, CAST(`t0`.`ces` AS FLOAT64), NULL)) AS `h2_3`,
  COUNT(IF(CAST(`t0`.`ces` AS FLOAT64) = 5, CAST(`t0`.`ces` AS FLOAT64), NULL)) AS `h2_4`,
  COUNT(IF(CAST(`t0`.`ces` AS FLOAT64) = 6, CAST(`t0`.`ces` AS FLOAT64), NULL)) AS `h2_5`,
  COUNT(IF(CAST(`t0`.`ces` AS FLOAT64) = 7, CAST(`t0`.`ces` AS FLOAT64), NULL)) AS `h2_6`,
  COUNT(
    IF(
      (
        CAST(`t0`.`ces` AS FLOAT64) < 1
      ) OR (
        CAST(`t0`.`ces` AS FLOAT64) > 7
      ),
      CAST(`t0`.`ces` AS FLOAT64),
      NULL
    )
  ) AS `bad2_off`,
  COUNT(`t0`.`first_response_min`) AS `c3`,
  AVG(`t0`.`first_response_min`) AS `mean3`,
  VAR_POP(`t0`.`first_response_min`) AS `var3`
FROM `responses` AS `t0`
GROUP BY
  1,
  2
